const inspectSymbol = Symbol.for('nodejs.util.inspect.custom')

/**
 * Makes `JSON.stringify`, `String()` and `util.inspect` of `target` print only `publicView`, so that
 * an object holding a private key cannot leak it into logs by accident.
 */
export function redactSecrets(target: object, name: string, publicView: () => Record<string, string>): void {
  const describe = (): string => {
    const fields = Object.entries(publicView())
      .map(([key, value]) => `${key}: ${value}`)
      .join(', ')
    return `${name} { ${fields}, secret: [redacted] }`
  }
  Object.defineProperties(target, {
    toJSON: { value: () => ({ ...publicView(), secret: '[redacted]' }), enumerable: false },
    toString: { value: describe, enumerable: false },
    [inspectSymbol]: { value: describe, enumerable: false },
  })
}
