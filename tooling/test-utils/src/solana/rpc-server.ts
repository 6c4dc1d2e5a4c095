import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestChain } from './chain.js'
import {
  accountJson,
  addressAt,
  type ChainAccount,
  checkFilters,
  configAt,
  matchesFilters,
  RpcMethodError,
} from './rpc-accounts.js'

/**
 * A fault the server injects into every answer until cleared:
 * - `down`: the socket is destroyed without an answer (connection reset);
 * - `unavailable`: HTTP 503;
 * - `slow`: the right answer, `ms` late;
 * - `junk`: a valid JSON-RPC envelope whose `result` has the wrong shape;
 * - `error`: a JSON-RPC error object (`-32005`, node behind).
 */
export type RpcFault =
  | { kind: 'down' }
  | { kind: 'unavailable' }
  | { kind: 'slow'; ms: number }
  | { kind: 'junk' }
  | { kind: 'error' }

/** One request the server received. */
export interface RpcRequestRecord {
  method: string
  params: unknown
}

/** A JSON-RPC 2.0 HTTP server on loopback answering from a {@link TestChain}. */
export interface TestRpcServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** Sets (or clears, with `undefined`) the injected fault. */
  setFault(fault: RpcFault | undefined): void
  /** Requests received so far (the last 1000), oldest first. */
  readonly requests: readonly RpcRequestRecord[]
  /** How many requests of `method` were received (all methods without one). */
  count(method?: string): number
  stop(): Promise<void>
}

const MAX_BODY_BYTES = 1_000_000
const MAX_RECORDS = 1_000

type Handler = (params: unknown, chain: TestChain) => unknown

const context = (chain: TestChain) => ({ slot: Number(chain.slot()), apiVersion: '2.2.0' })

function programAccounts(params: unknown, chain: TestChain): unknown {
  const programId = addressAt(params, 0)
  const config = configAt(params, 1)
  checkFilters(config.filters)
  const value = chain
    .getProgramAccounts(programId)
    .filter((account) => matchesFilters(account, config.filters))
    .map((account) => ({ pubkey: account.address, account: accountJson(account, config) }))
  return config.withContext === true ? { context: context(chain), value } : value
}

function maybeAccount(account: ChainAccount | undefined, params: unknown): unknown {
  return account === undefined ? null : accountJson(account, configAt(params, 1))
}

const HANDLERS: Readonly<Record<string, Handler>> = {
  getProgramAccounts: programAccounts,
  getAccountInfo: (params, chain) => ({
    context: context(chain),
    value: maybeAccount(chain.getAccount(addressAt(params, 0)), params),
  }),
  getMultipleAccounts: (params, chain) => {
    const addresses = Array.isArray(params) ? params[0] : undefined
    if (!Array.isArray(addresses) || addresses.length > 100) {
      throw new RpcMethodError(-32602, 'Invalid param: expected at most 100 addresses')
    }
    const value = addresses.map((_, i) => maybeAccount(chain.getAccount(addressAt(addresses, i)), params))
    return { context: context(chain), value }
  },
  getSlot: (_params, chain) => Number(chain.slot()),
  getBlockHeight: (_params, chain) => Number(chain.slot()),
  getLatestBlockhash: (_params, chain) => ({
    context: context(chain),
    value: { blockhash: chain.svm.latestBlockhash(), lastValidBlockHeight: Number(chain.slot()) + 150 },
  }),
  getVersion: () => ({ 'solana-core': '2.2.0', 'feature-set': 3_294_202_862 }),
  getHealth: () => 'ok',
  getGenesisHash: () => 'EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG',
}

/** A result of the wrong shape for `method`, for the `junk` fault. */
function junkResult(method: string): unknown {
  switch (method) {
    case 'getProgramAccounts':
      return [{ pubkey: 'not-an-address', account: { data: 'AAAA', lamports: 'many', owner: 42 } }]
    case 'getAccountInfo':
    case 'getMultipleAccounts':
      return { context: { slot: 'yesterday' }, value: [{ data: 7 }] }
    default:
      return { unexpected: true }
  }
}

/**
 * Starts a JSON-RPC server on `127.0.0.1:0` answering `getProgramAccounts` (filters `dataSize` and
 * `memcmp` with base58 or base64 bytes, `dataSlice`, `withContext`, encodings base64 and base58),
 * `getAccountInfo`, `getMultipleAccounts`, `getSlot`, `getBlockHeight`, `getLatestBlockhash`,
 * `getVersion`, `getHealth` and `getGenesisHash` from the chain's current accounts, in the shapes
 * `@solana/kit`'s `createSolanaRpc` parses. Unknown methods answer `-32601`.
 */
export async function startTestRpcServer(chain: TestChain): Promise<TestRpcServer> {
  let fault: RpcFault | undefined
  const requests: RpcRequestRecord[] = []
  const counts = new Map<string, number>()
  let total = 0
  const timers = new Set<NodeJS.Timeout>()

  const answer = (res: ServerResponse, body: unknown): void => {
    if (res.destroyed) return
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
    res.end(JSON.stringify(body))
  }

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    let message: { id?: unknown; method?: unknown; params?: unknown }
    try {
      message = JSON.parse(raw) as typeof message
    } catch {
      answer(res, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })
      return
    }
    const id = message.id ?? null
    const method = typeof message.method === 'string' ? message.method : ''
    requests.push({ method, params: message.params })
    counts.set(method, (counts.get(method) ?? 0) + 1)
    total++
    if (requests.length > MAX_RECORDS) requests.shift()
    const current = fault
    if (current?.kind === 'down') {
      req.socket.destroy()
      return
    }
    if (current?.kind === 'unavailable') {
      res.writeHead(503).end('Service Unavailable')
      return
    }
    if (current?.kind === 'junk') {
      answer(res, { jsonrpc: '2.0', id, result: junkResult(method) })
      return
    }
    if (current?.kind === 'error') {
      answer(res, { jsonrpc: '2.0', id, error: { code: -32005, message: 'Node is behind by 42 slots' } })
      return
    }
    let body: unknown
    const handler = HANDLERS[method]
    try {
      if (handler === undefined) throw new RpcMethodError(-32601, 'Method not found')
      body = { jsonrpc: '2.0', id, result: handler(message.params, chain) }
    } catch (err) {
      const code = err instanceof RpcMethodError ? err.code : -32603
      body = { jsonrpc: '2.0', id, error: { code, message: (err as Error).message } }
    }
    if (current?.kind === 'slow') {
      const timer = setTimeout(() => {
        timers.delete(timer)
        answer(res, body)
      }, current.ms)
      timers.add(timer)
      return
    }
    answer(res, body)
  }

  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) req.socket.destroy()
      else chunks.push(chunk)
    })
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  let stopped: Promise<void> | undefined

  return {
    url: `http://127.0.0.1:${port}`,
    setFault: (next) => {
      fault = next
    },
    requests,
    count: (method) => (method === undefined ? total : (counts.get(method) ?? 0)),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return stopped
    },
  }
}
