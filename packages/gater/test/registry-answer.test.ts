import { generateWallets } from '@depin/test-utils'
import { describe, expect, test } from 'vitest'
import { AnswerMemo, answerDigest, parseRegistryAnswer } from '../src/registry-answer.js'

describe('registry answer digest and memo', () => {
  const [a, b, c] = generateWallets(3).map((w) => w.identity.wallet) as [string, string, string]
  const signal = new AbortController().signal
  const digest = (answer: unknown) => answerDigest(answer, signal)

  test('the same strings in the same order have the same digest, as new string objects too', async () => {
    const first = await digest([a, b])
    expect(first).toMatch(/^[A-Za-z0-9+/]{43}=$/)
    expect(await digest([a, b].map((w) => Buffer.from(w).toString()))).toBe(first)
  })

  test('another entry, order or length gives another digest; entry boundaries count', async () => {
    const digests = await Promise.all(
      [[a, b], [a, c], [b, a], [a], [a, b, c], [], ['x\ny'], ['x', 'y'], ['x","y']].map(digest),
    )
    expect(new Set(digests).size).toBe(digests.length)
  })

  test('an answer that is not an array of strings has no digest', async () => {
    const sparse: string[] = [a]
    sparse[2] = b // a hole at 1
    for (const answer of [new Set([a]), 'ab', null, [a, { wallet: b }], [a, undefined], sparse])
      expect(await digest(answer)).toBeUndefined()
  })

  test('a large answer is hashed in slices and its digest is stable', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => [a, b, c][i % 3] as string)
    const first = await digest(many)
    expect(await digest([...many])).toBe(first)
    many[19_999] = c === many[19_999] ? a : c
    expect(await digest(many)).not.toBe(first)
  })

  test('the memo answers the parse remembered for a digest, and nothing for another or none', async () => {
    const memo = new AnswerMemo()
    const parsed = await parseRegistryAnswer([a, b], signal)
    const d = await digest([a, b])
    expect(memo.reuse(d)).toBeUndefined()
    memo.remember(d, parsed)
    expect(memo.reuse(await digest([a, b]))).toBe(parsed)
    expect(memo.reuse(await digest([a, c]))).toBeUndefined()
    expect(memo.reuse(undefined)).toBeUndefined()
    memo.remember(undefined, parsed)
    expect(memo.reuse(d)).toBeUndefined()
  })

  test('parse() decodes a new answer and hands back the same parse for one that hashes the same', async () => {
    const memo = new AnswerMemo()
    const parsed = await memo.parse([a, b], signal)
    expect(parsed.wallets.size).toBe(2)
    expect(
      await memo.parse(
        [a, b].map((w) => Buffer.from(w).toString()),
        signal,
      ),
    ).toBe(parsed)
    const other = await memo.parse([a, c], signal)
    expect(other).not.toBe(parsed)
    expect(other.wallets.size).toBe(2)
  })
})
