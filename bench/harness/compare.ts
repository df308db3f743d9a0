import type { LoadClient } from './load-client';
import type { LoadJob, LoadSummary } from './load-protocol';

export interface CompareOptions {
  target: Omit<LoadJob, 'connections' | 'durationSeconds'>;
  baseline: Omit<LoadJob, 'connections' | 'durationSeconds'>;
  connections: number;
  // Measured time per side is rounds × roundSeconds.
  rounds: number;
  roundSeconds: number;
  warmupSeconds: number;
  log?: (m: string) => void;
}

export interface Aggregate {
  requestsPerSecond: number;
  // The worst round's p99: a goal on p99 must hold in every round, not on average.
  p99Ms: number;
  p50Ms: number;
  peakRssBytes: number;
  rounds: LoadSummary[];
}

export interface Comparison {
  target: Aggregate;
  baseline: Aggregate;
  settings: { connections: number; rounds: number; roundSeconds: number; warmupSeconds: number };
}

// Loads the target and its baseline with identical settings, alternating ABBA-style so drift over the run
// (JIT warm-up, CPU boost, caches, autovacuum) lands on both sides equally. Any non-2xx or socket error aborts:
// a figure measured on error responses would be meaningless.
export async function compareLoad(load: LoadClient, options: CompareOptions): Promise<Comparison> {
  const job = (side: CompareOptions['target'], durationSeconds: number): LoadJob => ({ ...side, connections: options.connections, durationSeconds });
  const run = async (side: CompareOptions['target'], durationSeconds: number): Promise<LoadSummary> => {
    const summary = await load.run(job(side, durationSeconds));
    if (summary.non2xx > 0 || summary.errors > 0) {
      throw new Error(`${side.method ?? 'GET'} ${side.url}: ${summary.non2xx} non-2xx responses, ${summary.errors} errors (${summary.timeouts} timeouts)`);
    }
    options.log?.(`  ${side.url.replace(/^https?:\/\/[^/]+/, '')}: ${Math.round(summary.requestsPerSecond)} req/s, p99 ${summary.latencyMs.p99} ms`);
    return summary;
  };

  if (options.warmupSeconds > 0) {
    options.log?.('  warm-up (discarded)');
    await run(options.baseline, options.warmupSeconds);
    await run(options.target, options.warmupSeconds);
  }
  const target: LoadSummary[] = [];
  const baseline: LoadSummary[] = [];
  for (let i = 0; i < options.rounds; i += 1) {
    if (i % 2 === 0) {
      baseline.push(await run(options.baseline, options.roundSeconds));
      target.push(await run(options.target, options.roundSeconds));
    } else {
      target.push(await run(options.target, options.roundSeconds));
      baseline.push(await run(options.baseline, options.roundSeconds));
    }
  }
  const { connections, rounds, roundSeconds, warmupSeconds } = options;
  return { target: aggregate(target), baseline: aggregate(baseline), settings: { connections, rounds, roundSeconds, warmupSeconds } };
}

function aggregate(rounds: LoadSummary[]): Aggregate {
  const totalSeconds = rounds.reduce((s, r) => s + r.durationSeconds, 0);
  return {
    // Duration-weighted mean of autocannon's per-second average.
    requestsPerSecond: rounds.reduce((s, r) => s + r.requestsPerSecond * r.durationSeconds, 0) / totalSeconds,
    p99Ms: Math.max(...rounds.map((r) => r.latencyMs.p99)),
    p50Ms: median(rounds.map((r) => r.latencyMs.p50)),
    peakRssBytes: Math.max(...rounds.map((r) => r.peakRssBytes ?? 0)),
    rounds,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
