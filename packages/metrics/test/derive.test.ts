import { counter, gauge, metric } from '@depin/metrics-schema'
import { describe, expect, test } from 'vitest'
import { definitionsOf, perDatabase, single } from '../src/derive.js'

describe('definitionsOf', () => {
  test('one definition per declared name, nested groups included, figures without a metric left out', () => {
    const group = {
      a: counter('x_a_total', 'A.'),
      inner: { b: gauge('x_b', 'B.') },
    }
    const [a, b, ...rest] = definitionsOf(
      group,
      single((s) => s.node),
    )
    expect(rest).toEqual([])
    expect([a?.name, a?.type, b?.name, b?.type]).toEqual(['x_a_total', 'counter', 'x_b', 'gauge'])
    const snapshot = { node: { a: 3, inner: { b: 4 } } } as never
    expect(a?.samples(snapshot)).toEqual([[{}, 3]])
    expect(b?.samples(snapshot)).toEqual([[{}, 4]])
    expect(a?.samples({})).toEqual([])
  })

  test('figures declaring the same metric feed one definition; per-database samples carry `database`', () => {
    const declare = (key: string) =>
      metric<number>({
        name: 'x_total',
        help: 'X.',
        type: 'counter',
        labelNames: ['k'],
        samples: (v) => [[{ k: key }, v]],
      })
    const [x, ...rest] = definitionsOf(
      { one: declare('1'), two: declare('2') },
      perDatabase((db) => db.messaging),
    )
    expect(rest).toEqual([])
    expect(x?.labelNames).toEqual(['database', 'k'])
    const snapshot = { databases: [{ name: 'a', messaging: { one: 5, two: 6 } }, { name: 'b' }] } as never
    expect(x?.samples(snapshot)).toEqual([
      [{ database: 'a', k: '1' }, 5],
      [{ database: 'a', k: '2' }, 6],
    ])
  })

  test('the same name declared with another help, type or labels is refused', () => {
    expect(() =>
      definitionsOf(
        { a: counter('x_total', 'A.'), b: counter('x_total', 'B.') },
        single((s) => s.node),
      ),
    ).toThrow(/x_total/)
  })
})
