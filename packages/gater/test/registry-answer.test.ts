import { generateWallets } from '@depin/test-utils'
import { describe, expect, test } from 'vitest'
import { AnswerMemo, parseRegistryAnswer } from '../src/registry-answer.js'

describe('AnswerMemo', () => {
  const wallets = generateWallets(3).map((w) => w.identity.wallet)
  const [a, b, c] = wallets as [string, string, string]
  const parse = (answer: unknown) => parseRegistryAnswer(answer, new AbortController().signal)

  test('an answer listing the same strings in the same order reuses the last parse', async () => {
    const memo = new AnswerMemo()
    const answer = [a, b]
    expect(memo.reuse(answer)).toBeUndefined()
    const parsed = await parse(answer)
    memo.remember(answer, parsed)
    // New string objects with the same content, as a structured clone or a fresh read brings them.
    expect(memo.reuse([a, b].map((w) => Buffer.from(w).toString()))).toBe(parsed)
  })

  test('any difference is parsed anew: another entry, order or length, or not an array', async () => {
    const memo = new AnswerMemo()
    const answer = [a, b]
    memo.remember(answer, await parse(answer))
    for (const other of [[a, c], [b, a], [a], [a, b, c], [], new Set([a, b]), 'ab', null])
      expect(memo.reuse(other)).toBeUndefined()
  })

  test('it keeps its own copy: an answer array edited in place after it was parsed is parsed anew', async () => {
    const memo = new AnswerMemo()
    const answer = [a, b]
    memo.remember(answer, await parse(answer))
    answer[1] = c
    expect(memo.reuse(answer)).toBeUndefined()
  })

  test('answers that are not all strings are not remembered', async () => {
    const memo = new AnswerMemo()
    const answer = [a, { wallet: b }]
    memo.remember([a, b], await parse([a, b]))
    memo.remember(answer, await parse([a]))
    expect(memo.reuse(answer)).toBeUndefined()
    expect(memo.reuse([a, b])).toBeUndefined()
  })
})
