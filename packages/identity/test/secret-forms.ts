import { inspect } from 'node:util'

/**
 * The forms a secret key could leak in: base58, hex (plain and spaced as a Buffer prints),
 * base64, and the byte list as JSON and as util.inspect prints arrays. Checked for the whole
 * 64-byte key and for its 32-byte seed.
 */
export function secretForms(secretKey: Uint8Array, base58: string): string[] {
  const forms = [base58]
  for (const bytes of [secretKey, secretKey.subarray(0, 32)]) {
    const list = Array.from(bytes)
    const hex = Buffer.from(bytes).toString('hex')
    forms.push(
      hex,
      hex.replace(/(..)(?!$)/g, '$1 '),
      Buffer.from(bytes).toString('base64'),
      list.join(','),
      list.join(', '),
      JSON.stringify(list),
    )
  }
  return forms
}

/** Every text an error shows a user or a log: message, String(), stack, inspect, down the cause chain. */
export function errorTexts(err: unknown): string[] {
  const texts: string[] = []
  let current: unknown = err
  for (let depth = 0; depth < 10 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      texts.push(current.message, String(current), current.stack ?? '')
      current = current.cause
    } else {
      texts.push(String(current))
      current = undefined
    }
  }
  texts.push(inspect(err, { depth: Number.POSITIVE_INFINITY }), JSON.stringify(err) ?? '')
  return texts
}

/** Throws (failing the test) if any text contains any secret form; never prints the secret itself. */
export function expectNoLeak(texts: readonly string[], forms: readonly string[], label: string): void {
  for (const [t, text] of texts.entries()) {
    // util.inspect pads and wraps byte arrays over lines; compare without whitespace as well.
    const squeezed = text.replace(/\s+/g, '')
    for (const [f, form] of forms.entries()) {
      const squeezedForm = form.replace(/\s+/g, '')
      if (form.length > 0 && (text.includes(form) || squeezed.includes(squeezedForm))) {
        throw new Error(`${label}: text #${t} contains secret form #${f}`)
      }
    }
  }
}

/** Runs `fn`, returning what it threw; fails if it did not throw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw')
}

/** Like {@link thrown} for async functions. */
export async function rejected(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}
