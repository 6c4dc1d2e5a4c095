import type { AddressInfo } from 'node:net'
import { type WebSocket, WebSocketServer } from 'ws'

/** A JSON-RPC WebSocket server on 127.0.0.1 that accepts `programSubscribe` and sends notifications on demand. */
export interface FakeWs {
  readonly url: string
  /** `programSubscribe` requests received (their params). */
  readonly subscribes: unknown[][]
  /** Sockets with an active subscription. */
  subscribers(): number
  /** Open client sockets. */
  connections(): number
  /** Sends one `programNotification` to every subscriber. */
  notify(): void
  /** Closes every client socket (the subscription drops); new connections are still accepted. */
  dropAll(): void
  /** Refuses (closes at once) new connections while true. */
  refuse: boolean
  stop(): Promise<void>
}

export async function startFakeWs(): Promise<FakeWs> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const subscribed = new Map<WebSocket, number>()
  let nextSubscription = 1
  const fake: FakeWs = {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    subscribes: [],
    refuse: false,
    subscribers: () => subscribed.size,
    connections: () => server.clients.size,
    notify() {
      for (const [socket, subscription] of subscribed) {
        const result = {
          context: { slot: 1 },
          value: { pubkey: '11111111111111111111111111111111', account: {} },
        }
        socket.send(
          JSON.stringify({ jsonrpc: '2.0', method: 'programNotification', params: { subscription, result } }),
        )
      }
    },
    dropAll() {
      for (const socket of server.clients) socket.terminate()
      subscribed.clear()
    },
    async stop() {
      fake.dropAll()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  server.on('connection', (socket) => {
    if (fake.refuse) {
      socket.terminate()
      return
    }
    socket.on('close', () => subscribed.delete(socket))
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { id?: number; method?: string; params?: unknown[] }
      if (message.method === 'programSubscribe') {
        fake.subscribes.push(message.params ?? [])
        const subscription = nextSubscription++
        subscribed.set(socket, subscription)
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: subscription }))
      } else if (message.method === 'programUnsubscribe') {
        subscribed.delete(socket)
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: true }))
      }
    })
  })
  return fake
}
