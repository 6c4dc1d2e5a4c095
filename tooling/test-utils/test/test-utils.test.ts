import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import {
  createInMemoryBootstrapList,
  createInMemoryRegistry,
  generateWallets,
  waitFor,
  waitForEvent,
} from '../src/index.js'

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let n = 0
    await expect(waitFor(() => ++n >= 3 && n, { intervalMs: 1 })).resolves.toBe(3)
  })

  it('rejects after its timeout, naming what it waited for', async () => {
    await expect(waitFor(() => false, { timeoutMs: 30, message: 'never' })).rejects.toThrow(
      /30 ms waiting for never/,
    )
  })
})

describe('waitForEvent', () => {
  it('resolves on a matching event and rejects on timeout', async () => {
    const target = new EventTarget()
    const seen = waitForEvent<CustomEvent<number>>(target, 'x', { filter: (e) => e.detail === 2 })
    target.dispatchEvent(new CustomEvent('x', { detail: 1 }))
    target.dispatchEvent(new CustomEvent('x', { detail: 2 }))
    await expect(seen).resolves.toHaveProperty('detail', 2)
    await expect(waitForEvent(target, 'y', { timeoutMs: 20 })).rejects.toThrow(/timed out/)
    // A Node EventEmitter is not an EventTarget; the helper is typed for EventTarget-like sources only.
    expect(typeof new EventEmitter().on).toBe('function')
  })
})

describe('in-memory registry', () => {
  it('answers, changes, throws, hangs until aborted, and delays', async () => {
    const [a, b] = generateWallets(2)
    const registry = createInMemoryRegistry([a!.wallet])
    expect(await registry.getAuthorizedWallets()).toEqual([a!.wallet])
    registry.add(b!.wallet)
    registry.remove(a!.wallet)
    expect(await registry.getAuthorizedWallets()).toEqual([b!.wallet])

    registry.throw(new Error('rpc down'))
    await expect(registry.getAuthorizedWallets()).rejects.toThrow('rpc down')

    registry.hang()
    const controller = new AbortController()
    const hanging = registry.getAuthorizedWallets({ signal: controller.signal })
    expect(registry.pending).toBe(1)
    controller.abort(new Error('gave up'))
    await expect(hanging).rejects.toThrow('gave up')
    expect(registry.pending).toBe(0)

    registry.delay(5)
    expect(await registry.getAuthorizedWallets()).toEqual([b!.wallet])
    registry.respondWith(() => 'junk')
    expect(await registry.getAuthorizedWallets()).toBe('junk')
    expect(registry.calls).toBe(6)
  })

  it('release() ends calls that ignore their signal', async () => {
    const registry = createInMemoryRegistry()
    registry.hang({ ignoreSignal: true })
    const hanging = registry.getAuthorizedWallets({ signal: AbortSignal.abort() })
    registry.release()
    await expect(hanging).rejects.toThrow('released by test')
  })
})

describe('in-memory bootstrap list', () => {
  it('always exposes the current nodes', async () => {
    const [a] = generateWallets(1)
    const list = createInMemoryBootstrapList()
    const node = { publicKey: a!.wallet, ip: '127.0.0.1', quicPort: 1, tcpPort: 2 }
    list.set([node])
    expect(list.nodes).toEqual([node])
    expect(await list.getBootstrapNodes()).toEqual([node])
  })
})
