import { describe, expect, it } from 'vitest'
import { DEPIN_ERROR_CODES } from '../src/index.js'

describe('DEPIN_ERROR_CODES', () => {
  const entries = Object.entries(DEPIN_ERROR_CODES)

  it('has stable SCREAMING_SNAKE_CASE codes', () => {
    expect(entries.length).toBeGreaterThan(0)
    for (const [code] of entries) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/)
  })

  it('gives every code a one-line meaning of its own, naming its one class', () => {
    const classes = new Set<string>()
    const meanings = new Set<string>()
    for (const [code, meaning] of entries) {
      expect(meaning, code).not.toMatch(/\n/)
      expect(meanings.has(meaning), `${code}: meaning repeated`).toBe(false)
      meanings.add(meaning)
      const cls = /\[([A-Za-z]+Error)\]\.?$/.exec(meaning)?.[1]
      expect(cls, `${code}: meaning names no [Class]`).toBeDefined()
      expect(classes.has(cls as string), `${code}: class ${cls} already has a code`).toBe(false)
      classes.add(cls as string)
    }
  })

  it('is frozen at the type level and exposes exactly the codes (no duplicates by construction)', () => {
    expect(new Set(Object.keys(DEPIN_ERROR_CODES)).size).toBe(entries.length)
  })
})
