// Shared by the catch-up section and its child process (kept apart so the child loads nothing more).

/** The message of every event the catch-up section publishes: `{ n, p }`, `p` of `sizeBytes` characters. */
export function benchPayload(n: number, sizeBytes: number): { n: number; p: string } {
  return { n, p: 'x'.repeat(sizeBytes) }
}
