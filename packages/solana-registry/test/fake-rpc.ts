import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeBase58, encodeBase58 } from '@depin/identity'

/** How a fake endpoint answers: a JSON-RPC result, raw text, an HTTP status, or never (`hang`). */
export type FakeAnswer =
  | { result: unknown }
  | { error: { code: number; message: string } }
  | { raw: string }
  | { status: number }
  | { hang: true }

/** A JSON-RPC request the fake received. */
export interface FakeRequest {
  method: string
  params: unknown[]
}

/** A JSON-RPC HTTP server on 127.0.0.1 whose answer a test sets. */
export interface FakeRpc {
  readonly url: string
  answer: (request: FakeRequest) => FakeAnswer
  readonly requests: FakeRequest[]
  stop(): Promise<void>
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Starts a fake RPC; `answer` may be replaced at any time. */
export async function startFakeRpc(answer: FakeRpc['answer']): Promise<FakeRpc> {
  const requests: FakeRequest[] = []
  const fake: FakeRpc = {
    url: '',
    answer,
    requests,
    stop: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((text) => {
      const body = JSON.parse(text) as { id: number; method: string; params: unknown[] }
      const request = { method: body.method, params: body.params }
      requests.push(request)
      const answer = fake.answer(request)
      if ('hang' in answer) return
      if ('status' in answer) {
        res.writeHead(answer.status).end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('raw' in answer ? answer.raw : JSON.stringify({ jsonrpc: '2.0', id: body.id, ...answer }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  Object.assign(fake, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
  return fake
}

/** A URL on 127.0.0.1 where nothing listens (a server started and stopped). */
export async function deadUrl(): Promise<string> {
  const fake = await startFakeRpc(() => ({ result: [] }))
  await fake.stop()
  return fake.url
}

/** A deterministic base58 address from a small number. */
export function addressOf(n: number): string {
  const bytes = new Uint8Array(32)
  bytes.fill(n)
  return encodeBase58(bytes)
}

/** The data of an SPL token account (165 bytes, or longer with Token-2022 extensions). */
export function tokenAccountData(init: {
  mint: string
  owner: string
  amount: bigint
  state?: number
  extensionBytes?: number
  accountType?: number
}): Uint8Array {
  const extra = init.extensionBytes ?? 0
  const data = new Uint8Array(165 + extra)
  data.set(decodeBase58(init.mint), 0)
  data.set(decodeBase58(init.owner), 32)
  new DataView(data.buffer).setBigUint64(64, init.amount, true)
  data[108] = init.state ?? 1
  if (extra > 0) data[165] = init.accountType ?? 2
  return data
}

/** One `getProgramAccounts` entry as an RPC sends it (base64 data). */
export function accountEntry(
  address: string,
  owner: string,
  data: Uint8Array,
  lamports = 2_039_280,
): unknown {
  return {
    pubkey: address,
    account: {
      data: [Buffer.from(data).toString('base64'), 'base64'],
      owner,
      lamports,
      executable: false,
      rentEpoch: 0,
      space: data.length,
    },
  }
}
