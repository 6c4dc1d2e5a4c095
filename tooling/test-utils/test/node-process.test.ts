import { afterEach, describe, expect, it } from 'vitest'
import {
  type NodeProcess,
  NodeProcessError,
  spawnNodeProcess,
  type TypedMessage,
} from '../src/node-process.js'

type ToChild =
  | { type: 'start'; hang: boolean }
  | { type: 'ping'; id: number }
  | { type: 'crash' }
  | { type: 'stop' }
  | { type: 'answer'; id: number; value?: unknown; error?: string }
type FromChild =
  | { type: 'ask'; id: number; what: 'value' }
  | { type: 'ready'; value: number }
  | { type: 'pong'; id: number }
  | { type: 'failed'; message: string }
  | { type: 'stopped' }

const CHILD = new URL('./fixtures/harness-child.ts', import.meta.url)
const LINES_CHILD = new URL('./fixtures/lines-child.ts', import.meta.url)
const started: Array<NodeProcess<unknown, TypedMessage>> = []

function startChild(
  hang = false,
  answer: (id: number) => ToChild = (id) => ({ type: 'answer', id, value: 42 }),
) {
  const proc = spawnNodeProcess<ToChild, FromChild>({ script: CHILD, env: { NODE_NO_WARNINGS: '1' } })
  started.push(proc as unknown as NodeProcess<unknown, TypedMessage>)
  proc.onMessage((message) => {
    if (message.type === 'ask') proc.send(answer(message.id))
  })
  proc.send({ type: 'start', hang })
  return proc
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.kill()))
})

describe('spawnNodeProcess (IPC)', () => {
  it('completes the start handshake, answers the child and correlates requests by id', async () => {
    const proc = startChild()
    const ready = await proc.ready('ready', {
      timeoutMs: 10_000,
      what: 'ready',
    })
    expect(ready.value).toBe(42)
    const [a, b] = await Promise.all([
      proc.request('pong', (id) => ({ type: 'ping', id }), { timeoutMs: 5_000, what: 'pong' }),
      proc.request('pong', (id) => ({ type: 'ping', id }), { timeoutMs: 5_000, what: 'pong' }),
    ])
    expect([a.id, b.id]).toEqual([0, 1])
    await proc.stop({ message: { type: 'stop' }, timeoutMs: 5_000 })
    expect(proc.exit).toEqual({ code: 0, signal: null })
  })

  it('rejects the handshake with the reason the child gives', async () => {
    const proc = startChild(false, (id) => ({ type: 'answer', id, error: 'no registry' }))
    await expect(
      proc.ready('ready', {
        timeoutMs: 10_000,
        what: 'ready',
        failed: (m) => (m.type === 'failed' ? m.message : undefined),
      }),
    ).rejects.toThrow(/ready: no registry/)
    expect(proc.running).toBe(false)
  })

  it('a child whose start fails reports it, stops and exits with 1', async () => {
    const proc = startChild(false, (id) => ({ type: 'answer', id, error: 'no registry' }))
    // Both awaited from now on: without `history`, `next` sees only later messages.
    const failed = proc.next((m) => m.type === 'failed', { timeoutMs: 10_000, what: 'failed' })
    const stopped = proc.next((m) => m.type === 'stopped', { timeoutMs: 10_000, what: 'stopped' })
    expect(await failed).toEqual({ type: 'failed', message: 'no registry' })
    await stopped
    expect((await proc.exited).code).toBe(1)
  })

  it('reports an exit with the tail of stderr', async () => {
    const proc = startChild()
    await proc.ready('ready', {
      timeoutMs: 10_000,
      what: 'ready',
    })
    const pong = proc.next((m) => m.type === 'pong', { timeoutMs: 10_000, what: 'a pong' })
    proc.send({ type: 'crash' })
    const error = await pong.catch((err: unknown) => err)
    expect(error).toBeInstanceOf(NodeProcessError)
    expect(String(error)).toMatch(/a pong: the process exited \(3: boom: the child was told to crash\)/)
    expect(proc.describeExit()).toBe('3: boom: the child was told to crash')
  })

  it('kills a child that does not stop in time', async () => {
    const proc = startChild(true)
    await proc.ready('ready', {
      timeoutMs: 10_000,
      what: 'ready',
    })
    await proc.stop({ message: { type: 'stop' }, timeoutMs: 300 })
    expect(proc.exit?.signal).toBe('SIGKILL')
  })

  it('times out a handshake that never comes, and kills the process', async () => {
    const proc = spawnNodeProcess<ToChild, FromChild>({ script: CHILD })
    started.push(proc as unknown as NodeProcess<unknown, TypedMessage>)
    await expect(
      proc.ready('ready', {
        timeoutMs: 300,
        what: 'ready',
      }),
    ).rejects.toThrow(/ready: not seen within 300 ms/)
    expect(proc.running).toBe(false)
  })
})

describe('spawnNodeProcess (lines)', () => {
  it('reads JSON lines, keeps the history and quits on stop', async () => {
    const proc = spawnNodeProcess<string, TypedMessage & Record<string, unknown>>({
      script: LINES_CHILD,
      channel: 'lines',
      history: true,
    })
    started.push(proc as unknown as NodeProcess<unknown, TypedMessage>)
    await proc.next((l) => l.type === 'start', { timeoutMs: 10_000, what: 'start' })
    proc.send('echo hello')
    const echo = await proc.next((l) => l.type === 'echo', { timeoutMs: 5_000, what: 'echo' })
    expect(echo.text).toBe('hello')
    // An earlier line is found too (history), and a line that is not JSON is kept as `unparsed`.
    expect(proc.messages.map((l) => l.type)).toEqual(['start', 'unparsed', 'echo'])
    await proc.stop({ message: 'quit', timeoutMs: 5_000 })
    expect(proc.exit?.code).toBe(0)
  })
})
