import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LoadJob, LoadSummary } from './load-protocol';

const REQUEST_TIMEOUT_MS = 10_000;

// An open-loop load at a fixed arrival rate, for "p99 at N req/s" figures: request i is due at i/rate seconds and
// goes out then (over at most job.connections keep-alive sockets, queueing in the agent when all are busy), and its
// latency runs from when it was due, not from when a socket got round to it. A server that falls behind therefore
// shows it in the latencies, and in requestsPerSecond dropping below the rate, instead of quietly being sent less.
// autocannon's overallRate cannot say this: each connection fires its per-second quota back to back at the top of
// every second, so it measures bursts of `connections` concurrent requests.
// Timer granularity (~1 ms) can delay a send slightly; that delay counts towards latency, so the error is upward.
export async function runPaced(job: LoadJob, rate: number): Promise<LoadSummary> {
  const url = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  const total = Math.max(1, Math.round(rate * job.durationSeconds));
  const intervalMs = 1000 / rate;
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  let lastEnd = 0;

  const fire = (due: number) =>
    new Promise<void>((resolve) => {
      const req = http.request(
        { agent, host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: job.method ?? 'GET', headers: job.headers, timeout: REQUEST_TIMEOUT_MS },
        (res) => {
          res.resume();
          res.on('end', () => {
            lastEnd = performance.now();
            latencies.push(lastEnd - due);
            if (!res.statusCode || res.statusCode < 200 || res.statusCode >= 300) non2xx += 1;
            resolve();
          });
        },
      );
      req.on('timeout', () => {
        timeouts += 1;
        req.destroy(new Error('timeout'));
      });
      // Also reached after a timeout (destroy emits 'error'), as with autocannon, where errors include timeouts.
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end(job.body);
    });

  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && start + sent * intervalMs <= now) {
      inFlight.push(fire(start + sent * intervalMs));
      sent += 1;
    }
    if (sent < total) await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + sent * intervalMs - performance.now())));
  }
  await Promise.all(inFlight);
  agent.destroy();

  const elapsedSeconds = Math.max(job.durationSeconds, ((lastEnd || performance.now()) - start) / 1000);
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]) : 0);
  return {
    url: job.url,
    durationSeconds: elapsedSeconds,
    requestsPerSecond: latencies.length / elapsedSeconds,
    requestsTotal: latencies.length,
    latencyMs: {
      average: sorted.length ? round(sorted.reduce((s, v) => s + v, 0) / sorted.length) : 0,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: at(1),
    },
    non2xx,
    errors,
    timeouts,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
