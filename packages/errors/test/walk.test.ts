import { describe, expect, it } from 'vitest'
import { DepinError, isDepinError, WALK_MAX_DEPTH, walk } from '../src/index.js'

/** A chain of `length` errors, each the cause of the one before; `[0]` is the outermost. */
function chain(length: number): Error[] {
  const errors: Error[] = []
  let cause: Error | undefined
  for (let i = length - 1; i >= 0; i--) {
    cause = new Error(`e${i}`, cause === undefined ? {} : { cause })
    errors.unshift(cause)
  }
  return errors
}

describe('walk', () => {
  it('returns the first error of the chain the predicate accepts, the error itself included', () => {
    const inner = new DepinError('NODE_START_FAILED', 'inner')
    const outer = new Error('outer', { cause: new Error('middle', { cause: inner }) })
    expect(walk(outer, (e) => isDepinError(e, 'NODE_START_FAILED'))).toBe(inner)
    expect(walk(outer, (e) => e instanceof Error)).toBe(outer)
  })

  it('narrows with a type-guard predicate', () => {
    const inner = new DepinError('NODE_START_FAILED', 'inner')
    const found = walk(new Error('outer', { cause: inner }), (e) => isDepinError(e))
    expect(found?.code).toBe('NODE_START_FAILED')
  })

  it('returns undefined when nothing matches', () => {
    expect(walk(chain(3)[0], (e) => e === 'nope')).toBeUndefined()
  })

  it('returns the deepest cause without a predicate, or the error itself when it has none', () => {
    const errors = chain(4)
    expect(walk(errors[0])).toBe(errors[3])
    const alone = new Error('alone')
    expect(walk(alone)).toBe(alone)
  })

  it('follows non-Error causes (a string at the end, a plain object with a cause)', () => {
    const err = new Error('outer', { cause: { reason: 'x', cause: 'ECONNRESET' } })
    expect(walk(err)).toBe('ECONNRESET')
    expect(walk(err, (e) => e === 'ECONNRESET')).toBe('ECONNRESET')
  })

  it('stops at a cycle', () => {
    const a = new Error('a')
    const b = new Error('b', { cause: a })
    Object.defineProperty(a, 'cause', { value: b })
    let visits = 0
    expect(
      walk(a, () => {
        visits++
        return false
      }),
    ).toBeUndefined()
    expect(visits).toBe(2)
    expect(walk(a)).toBe(b)
    const self = new Error('self')
    Object.defineProperty(self, 'cause', { value: self })
    expect(walk(self)).toBe(self)
  })

  it(`looks at ${WALK_MAX_DEPTH} errors at most by default, and at maxDepth when given`, () => {
    const errors = chain(100)
    expect(walk(errors[0], (e) => e === errors[WALK_MAX_DEPTH - 1])).toBe(errors[WALK_MAX_DEPTH - 1])
    expect(walk(errors[0], (e) => e === errors[WALK_MAX_DEPTH])).toBeUndefined()
    expect(walk(errors[0])).toBe(errors[WALK_MAX_DEPTH - 1])
    expect(walk(errors[0], (e) => e === errors[4], { maxDepth: 5 })).toBe(errors[4])
    expect(walk(errors[0], (e) => e === errors[5], { maxDepth: 5 })).toBeUndefined()
    expect(walk(errors[0], (e) => e === errors[99], { maxDepth: 100 })).toBe(errors[99])
  })

  it('ends the chain at a cause getter that throws, and never throws itself', () => {
    const err = new Error('outer')
    Object.defineProperty(err, 'cause', {
      get() {
        throw new Error('getter')
      },
    })
    expect(walk(err)).toBe(err)
    expect(walk(err, (e) => e !== err)).toBeUndefined()
  })

  it('takes any value', () => {
    expect(walk(undefined)).toBeUndefined()
    expect(walk(null, (e) => e === null)).toBeNull()
    expect(walk('text')).toBe('text')
    expect(walk(42, () => false)).toBeUndefined()
  })
})
