import type { AddressInfo } from 'node:net'
import type { Address } from '@solana/kit'
import { type WebSocket, WebSocketServer } from 'ws'
import type { AccountChange, ChainChange, TestChain } from './chain.js'
import {
  accountJson,
  addressAt,
  type ChainAccount,
  checkFilters,
  closedAccount,
  configAt,
  matchesFilters,
  type RpcAccountConfig,
  RpcMethodError,
} from './rpc-accounts.js'

interface Subscription {
  kind: 'program' | 'account'
  target: Address
  config: RpcAccountConfig
}

/** A WebSocket JSON-RPC server on loopback for `programSubscribe` / `accountSubscribe`. */
export interface TestWsServer {
  /** `ws://127.0.0.1:<port>` */
  readonly url: string
  /** Live subscriptions over all connections (of one kind, when given). */
  subscriptionCount(kind?: 'program' | 'account'): number
  /** Notifications sent so far. */
  notificationCount(): number
  /** Connections accepted so far (a resubscribing client opens a new one). */
  connectionCount(): number
  /** Terminates every open connection (as a crashed or restarted RPC node would). */
  dropAll(): void
  /** While true, new connections are refused at the handshake (HTTP 503). */
  setRefusing(refusing: boolean): void
  stop(): Promise<void>
}

const UNSUBSCRIBE: Readonly<Record<string, Subscription['kind']>> = {
  programUnsubscribe: 'program',
  accountUnsubscribe: 'account',
}

/** The account a subscription should be told about for `change`, or `undefined`. */
function notified(subscription: Subscription, change: AccountChange): ChainAccount | undefined {
  if (subscription.kind === 'account') {
    return change.address === subscription.target
      ? (change.after ?? closedAccount(change.address))
      : undefined
  }
  const { after, before } = change
  const { filters } = subscription.config
  if (after !== undefined && after.owner === subscription.target && matchesFilters(after, filters))
    return after
  // An account that left the program (closed, or reassigned) is reported once more, so a watcher sees
  // the removal; Agave's own behaviour for closed accounts varies by version.
  if (before !== undefined && before.owner === subscription.target && matchesFilters(before, filters)) {
    return after ?? closedAccount(change.address)
  }
  return undefined
}

/**
 * Starts a WebSocket server on `127.0.0.1:0` speaking Solana's subscription protocol as
 * `@solana/kit`'s `createSolanaRpcSubscriptions` expects it: `programSubscribe` (with filters and
 * encoding), `accountSubscribe`, their `*Unsubscribe`, and kit's `ping` (ignored). After every
 * transaction the chain runs, the changed accounts are sent as `programNotification` /
 * `accountNotification` to the matching subscriptions.
 */
export async function startTestWsServer(chain: TestChain): Promise<TestWsServer> {
  let refusing = false
  let nextId = 1
  let notifications = 0
  let connections = 0
  const subscriptions = new Map<WebSocket, Map<number, Subscription>>()
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: (_info, done) => (refusing ? done(false, 503, 'Service Unavailable') : done(true)),
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.once('listening', () => resolve())
  })

  const send = (socket: WebSocket, body: unknown): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(body))
  }

  const onMessage = (socket: WebSocket, raw: string): void => {
    let message: { id?: unknown; method?: unknown; params?: unknown }
    try {
      message = JSON.parse(raw) as typeof message
    } catch {
      send(socket, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })
      return
    }
    const { id = null, method, params } = message
    if (method === 'ping') return
    const mine = subscriptions.get(socket)
    try {
      if (mine === undefined) return
      if (method === 'programSubscribe' || method === 'accountSubscribe') {
        const config = configAt(params, 1)
        if (config.encoding !== undefined && config.encoding !== 'base64' && config.encoding !== 'base58') {
          throw new RpcMethodError(-32602, `Invalid param: encoding ${config.encoding} is not served`)
        }
        checkFilters(config.filters)
        const kind = method === 'programSubscribe' ? 'program' : 'account'
        const subscriptionId = nextId++
        mine.set(subscriptionId, { kind, target: addressAt(params, 0), config })
        send(socket, { jsonrpc: '2.0', id, result: subscriptionId })
      } else if (typeof method === 'string' && method in UNSUBSCRIBE) {
        const subscriptionId = Array.isArray(params) ? params[0] : undefined
        const subscription = typeof subscriptionId === 'number' ? mine.get(subscriptionId) : undefined
        if (subscription === undefined || subscription.kind !== UNSUBSCRIBE[method]) {
          throw new RpcMethodError(-32602, 'Invalid subscription id')
        }
        mine.delete(subscriptionId as number)
        send(socket, { jsonrpc: '2.0', id, result: true })
      } else {
        throw new RpcMethodError(-32601, 'Method not found')
      }
    } catch (err) {
      const code = err instanceof RpcMethodError ? err.code : -32603
      send(socket, { jsonrpc: '2.0', id, error: { code, message: (err as Error).message } })
    }
  }

  server.on('connection', (socket) => {
    connections++
    subscriptions.set(socket, new Map())
    socket.on('message', (data) => onMessage(socket, String(data)))
    socket.on('close', () => subscriptions.delete(socket))
    socket.on('error', () => socket.terminate())
  })

  const onChange = ({ slot, changes }: ChainChange): void => {
    for (const [socket, mine] of subscriptions) {
      for (const [subscriptionId, subscription] of mine) {
        for (const change of changes) {
          const account = notified(subscription, change)
          if (account === undefined) continue
          const json = accountJson(account, subscription.config)
          const value = subscription.kind === 'program' ? { pubkey: change.address, account: json } : json
          notifications++
          send(socket, {
            jsonrpc: '2.0',
            method: `${subscription.kind}Notification`,
            params: { result: { context: { slot: Number(slot) }, value }, subscription: subscriptionId },
          })
        }
      }
    }
  }
  const unsubscribeChain = chain.onChange(onChange)
  const { port } = server.address() as AddressInfo
  let stopped: Promise<void> | undefined

  const dropAll = (): void => {
    for (const socket of server.clients) socket.terminate()
    subscriptions.clear()
  }

  return {
    url: `ws://127.0.0.1:${port}`,
    subscriptionCount: (kind) => {
      let count = 0
      for (const mine of subscriptions.values()) {
        for (const subscription of mine.values())
          if (kind === undefined || subscription.kind === kind) count++
      }
      return count
    },
    notificationCount: () => notifications,
    connectionCount: () => connections,
    dropAll,
    setRefusing: (next) => {
      refusing = next
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        unsubscribeChain()
        dropAll()
        server.close(() => resolve())
      })
      return stopped
    },
  }
}
