import type { Logger } from '@depin/logger'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

/** A logger that keeps every line, so tests can assert what an operator would read. */
export interface RecordingLogger extends Logger {
  readonly lines: Array<{ level: string; msg: string; keyValues: unknown[] }>
  warnings(): string[]
}

export function createRecordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = []
  const at =
    (level: string) =>
    (msg: string, ...keyValues: unknown[]): void => {
      lines.push({ level, msg, keyValues })
    }
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    warnings: () => lines.filter((l) => l.level === 'warn').map((l) => l.msg),
  }
}

/** A PeerId that is not Ed25519, so carries no wallet. */
export async function secp256k1PeerId(): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('secp256k1'))
}

/** Collects unhandled promise rejections while a test runs. */
export function trackUnhandledRejections(): { readonly reasons: unknown[]; dispose(): void } {
  const reasons: unknown[] = []
  const onRejection = (reason: unknown): void => {
    reasons.push(reason)
  }
  process.on('unhandledRejection', onRejection)
  return { reasons, dispose: () => process.off('unhandledRejection', onRejection) }
}
