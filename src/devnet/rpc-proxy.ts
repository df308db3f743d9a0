// A JSON-RPC proxy for the devnet (tests and bench): counts calls per method and can play a
// provider that refuses wide eth_getLogs ranges or answers slowly.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RpcProxyOptions {
  // eth_getLogs over more blocks than this is refused, as public providers do.
  maxLogRange?: number;
  // Added before each eth_getLogs answer (to widen the window between chunks).
  logsDelayMs?: number;
}

export interface RpcProxy {
  url: string;
  // JSON-RPC calls seen per method (every call of a batch counts).
  calls: Map<string, number>;
  refused: number;
  set(options: RpcProxyOptions): void;
  close(): Promise<void>;
}

interface RpcRequest {
  jsonrpc: '2.0';
  id: number | string;
  method: string;
  params?: unknown[];
}

// A JSON-RPC proxy in front of anvil on loopback: counts calls and plays a provider's range limit.
export async function startRpcProxy(upstream: string, initial: RpcProxyOptions = {}): Promise<RpcProxy> {
  let options = initial;
  const calls = new Map<string, number>();
  const state = { refused: 0 };
  const tooWide = (req: RpcRequest): boolean => {
    if (req.method !== 'eth_getLogs' || options.maxLogRange === undefined) return false;
    const filter = (req.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string; blockHash?: string };
    if (filter.blockHash || !filter.fromBlock?.startsWith('0x') || !filter.toBlock?.startsWith('0x')) return false;
    return Number(BigInt(filter.toBlock) - BigInt(filter.fromBlock) + 1n) > options.maxLogRange;
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as RpcRequest | RpcRequest[];
        const requests = Array.isArray(body) ? body : [body];
        for (const r of requests) calls.set(r.method, (calls.get(r.method) ?? 0) + 1);
        if (options.logsDelayMs && requests.some((r) => r.method === 'eth_getLogs')) await new Promise<void>((resolve) => setTimeout(resolve, options.logsDelayMs));
        const refusedIds = new Set(requests.filter(tooWide).map((r) => r.id));
        state.refused += refusedIds.size;
        const forwarded = requests.filter((r) => !refusedIds.has(r.id));
        const answers: unknown[] = [];
        if (forwarded.length) {
          const upstreamRes = await fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Array.isArray(body) ? forwarded : forwarded[0]) });
          const json = (await upstreamRes.json()) as unknown;
          answers.push(...(Array.isArray(json) ? json : [json]));
        }
        for (const id of refusedIds) answers.push({ jsonrpc: '2.0', id, error: { code: -32602, message: `block range too large: at most ${options.maxLogRange} blocks per eth_getLogs` } });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(Array.isArray(body) ? answers : answers[0]));
      })().catch((err: unknown) => {
        res.statusCode = 502;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    get refused() {
      return state.refused;
    },
    set(next) {
      options = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
