import { execFile } from 'node:child_process'

/** What `interop-go --identity-only` answered: the identity, or the error it exited with. */
export type GoIdentityResult =
  | { ok: true; peerId: string; wallet: string }
  | { ok: false; error: string; output: string }

/**
 * Runs the Go program's `--identity-only` (no network). The key goes through the environment,
 * or `--key-file` when `keyFile` is given.
 */
export function goIdentity(
  binary: string,
  key: { secretKey: string } | { keyFile: string },
): Promise<GoIdentityResult> {
  const args = ['--identity-only']
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.WALLET_PRIVATE_KEY
  if ('keyFile' in key) args.push('--key-file', key.keyFile)
  else env.WALLET_PRIVATE_KEY = key.secretKey
  return new Promise((resolve) => {
    execFile(binary, args, { env, timeout: 10_000 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`
      const first = stdout.split('\n').find((l) => l.trim() !== '')
      const line = first === undefined ? {} : (JSON.parse(first) as Record<string, unknown>)
      if (err === null && line.type === 'identity') {
        resolve({ ok: true, peerId: String(line.peerId), wallet: String(line.wallet) })
      } else {
        resolve({ ok: false, error: String(line.error ?? err?.message ?? 'no output'), output })
      }
    })
  })
}
