// Messages between reconciler-process.ts (the bench process) and reconciler-child.ts (a worker-shaped child).
// Plain JSON: block numbers travel as decimal strings.
export interface TickSummary {
  ms: number;
  caughtUp: number;
  processed: number;
  cursor: string;
  head: string;
}

export type ToChild =
  | { type: 'boot'; env: Record<string, string> }
  | { type: 'catchUp'; chainId: number; target: string; maxTicks: number }
  | { type: 'close' };

export type FromChild =
  | { type: 'ready'; bootMs: number; idleRssBytes: number }
  | { type: 'caughtUp'; ticks: TickSummary[]; elapsedMs: number; peakRssBytes: number; peakSource: 'VmHWM' | 'sampled' }
  | { type: 'closed' }
  | { type: 'error'; message: string };
