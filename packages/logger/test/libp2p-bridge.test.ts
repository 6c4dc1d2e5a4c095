import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { ComponentLogger } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { createConsoleLogger, createLibp2pLogBridge, type Logger, noopLogger } from '../src/index.js'
import { captureStream, type RecordedCall, recordingLogger } from './fixtures/capture.js'

describe('createLibp2pLogBridge', () => {
  it('writes log lines at debug with the component name, formatted', () => {
    const recording = recordingLogger()
    const log = createLibp2pLogBridge(recording).forComponent('libp2p:tcp')
    expect(log.enabled).toBe(true)
    log('listening on %s port %d', '127.0.0.1', 4002)
    expect(recording.calls).toEqual([
      { level: 'debug', msg: 'listening on 127.0.0.1 port 4002', keyValues: ['component', 'libp2p:tcp'] },
    ])
  })

  it("writes log.error at debug by default, under '<component>:error', and at errorLevel when set", () => {
    const recording = recordingLogger()
    const err = new Error('reset')
    createLibp2pLogBridge(recording).forComponent('libp2p:yamux').error('stream error %e', err)
    createLibp2pLogBridge(recording, { errorLevel: 'warn' }).forComponent('libp2p:yamux').error('again')
    expect(recording.calls.map((c) => [c.level, c.keyValues])).toEqual([
      ['debug', ['component', 'libp2p:yamux:error']],
      ['warn', ['component', 'libp2p:yamux:error']],
    ])
    expect(recording.calls[0]?.msg).toContain('Error: reset')
  })

  it('drops trace lines unless trace is on', () => {
    const recording = recordingLogger()
    const quiet = createLibp2pLogBridge(recording).forComponent('libp2p:mplex')
    expect((quiet.trace as unknown as { enabled: boolean }).enabled).toBe(false)
    quiet.trace('frame %d', 1)
    expect(recording.calls).toEqual([])
    const traced = createLibp2pLogBridge(recording, { trace: true }).forComponent('libp2p:mplex')
    traced.trace('frame %d', 2)
    expect(recording.calls).toEqual([
      { level: 'debug', msg: 'frame 2', keyValues: ['component', 'libp2p:mplex:trace'] },
    ])
  })

  it('scopes with newScope, and filters components by name', () => {
    const recording = recordingLogger()
    const bridge = createLibp2pLogBridge(recording, {
      enabledComponents: (name) => !name.startsWith('libp2p:yamux'),
    })
    const yamuxLog = bridge.forComponent('libp2p:yamux')
    expect(yamuxLog.enabled).toBe(false)
    expect((yamuxLog.error as unknown as { enabled: boolean }).enabled).toBe(false)
    yamuxLog('dropped')
    yamuxLog.error('dropped')
    bridge.forComponent('libp2p:tcp').newScope('listener')('kept')
    expect(recording.calls).toEqual([
      { level: 'debug', msg: 'kept', keyValues: ['component', 'libp2p:tcp:listener'] },
    ])
  })

  it("is disabled, and formats nothing, when the logger does not write the bridge's level", () => {
    let formatted = 0
    const costly = {
      toString() {
        formatted++
        return 'x'
      },
    }
    const info = createConsoleLogger({ level: 'info', stream: captureStream() })
    for (const logger of [noopLogger, info]) {
      const log = createLibp2pLogBridge(logger).forComponent('libp2p:dht')
      expect(log.enabled).toBe(false)
      log('%p', costly)
    }
    expect(formatted).toBe(0)
    const atInfo = createLibp2pLogBridge(info, { level: 'info' }).forComponent('libp2p:dht')
    expect(atInfo.enabled).toBe(true)
  })

  it('rejects an invalid level when created', () => {
    // @ts-expect-error a JavaScript caller can pass anything
    expect(() => createLibp2pLogBridge(noopLogger, { level: 'trace' })).toThrow(/Invalid log level "trace"/)
  })
})

describe('createLibp2pLogBridge in a real libp2p node', () => {
  const nodes: Libp2p[] = []

  afterEach(async () => {
    await Promise.allSettled(nodes.splice(0).map((node) => node.stop()))
  })

  async function startNode(logger: ComponentLogger): Promise<Libp2p> {
    const node = await createLibp2p({
      logger,
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
    })
    nodes.push(node)
    return node
  }

  it('receives libp2p debug lines with a component field while nodes start, connect and stop', async () => {
    const recording = recordingLogger()
    const listener = await startNode(createLibp2pLogBridge(recording))
    const dialer = await startNode(createLibp2pLogBridge(noopLogger))
    const listenerSawConnection = new Promise<void>((resolve, reject) => {
      listener.addEventListener('connection:open', () => resolve(), { once: true })
      AbortSignal.timeout(10_000).addEventListener('abort', () =>
        reject(new Error('no inbound connection in 10 s')),
      )
    })
    const connection = await dialer.dial(listener.getMultiaddrs()[0]!, {
      signal: AbortSignal.timeout(10_000),
    })
    expect(connection.remotePeer.equals(listener.peerId)).toBe(true)
    await listenerSawConnection
    await listener.stop()

    const lines: RecordedCall[] = recording.calls
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.every((line) => line.level === 'debug')).toBe(true)
    expect(
      lines.every((line) => line.keyValues[0] === 'component' && typeof line.keyValues[1] === 'string'),
    ).toBe(true)
    const components = new Set(lines.map((line) => String(line.keyValues[1])))
    expect([...components].some((name) => name.startsWith('libp2p'))).toBe(true)
    // %p / %a arguments arrive as their strings, not as "[object Object]".
    expect(lines.some((line) => line.msg.includes(listener.peerId.toString()))).toBe(true)
    expect(lines.some((line) => line.msg.includes(dialer.peerId.toString()))).toBe(true)
    expect(lines.some((line) => line.msg.includes('[object Object]'))).toBe(false)
    console.info(`libp2p bridge: ${lines.length} lines from ${components.size} components`)
  })

  it('writes through a JSON console logger as JSON lines with a component field', async () => {
    const stream = captureStream()
    const logger: Logger = createConsoleLogger({ level: 'debug', format: 'json', stream })
    const node = await startNode(createLibp2pLogBridge(logger))
    await node.stop()
    const lines = stream.json()
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.every((line) => line.level === 'debug' && typeof line.component === 'string')).toBe(true)
  })
})
