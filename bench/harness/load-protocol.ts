// Messages between load-client.ts (the bench process) and load-worker.ts (the autocannon child). Everything here
// crosses an IPC channel, so it must be plain data: no functions, hence no autocannon setupClient hooks.
export interface LoadJob {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationSeconds: number;
  pipelining?: number;
  // Fixed arrival rate (req/s across all connections) for "p99 at N req/s" figures; omitted means as fast as possible.
  overallRate?: number;
  // With overallRate: send one request every 1/overallRate s over at most `connections` keep-alive sockets, timing
  // each from when it was due (paced-load.ts), instead of autocannon's limiter, which lets each connection fire its
  // whole per-second quota back to back at the top of every second: a burst of `connections` concurrent requests.
  paced?: boolean;
}

export interface LoadSummary {
  url: string;
  durationSeconds: number;
  requestsPerSecond: number;
  requestsTotal: number;
  latencyMs: { average: number; p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  // Filled in by the bench process, which samples its own RSS while the child drives the load.
  peakRssBytes?: number;
}

export type ToWorker = { type: 'run'; id: number; job: LoadJob };
export type FromWorker = { type: 'ready' } | { type: 'result'; id: number; summary: LoadSummary } | { type: 'error'; id: number; message: string };
