import type { BenchApi } from './api-fixture';
import type { LoadClient } from './load-client';

// One line of the report: a figure, the baseline it is judged against (measured in the same run), and the goal.
export interface Row {
  figure: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  // value ÷ baselineValue, whatever the unit: throughput rows read as a share of the baseline, latency and memory as a multiple.
  ratio: number;
  // The DESIGN §8 goal, in words, when one exists; `met` says whether this run reached it.
  goal?: string;
  met?: boolean;
}

export interface ScenarioResult {
  rows: Row[];
  // Anything worth keeping in the JSON record (per-round figures, settings); not printed.
  details?: Record<string, unknown>;
}

// Shared fixtures, created on first use so scenarios that need no server (pure CPU figures) do not pay for one.
export interface BenchContext {
  api(): Promise<BenchApi>;
  load(): LoadClient;
  log(message: string): void;
}

// Every bench/scenarios/*.scenario.ts exports `scenario`; run.ts discovers them, so adding a row is adding a file.
export interface Scenario {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

export function row(input: Omit<Row, 'ratio' | 'met'> & { meets?: (r: Row) => boolean }): Row {
  const { meets, ...rest } = input;
  const r: Row = { ...rest, ratio: rest.baselineValue === 0 ? Number.NaN : rest.value / rest.baselineValue };
  if (meets) r.met = meets(r);
  return r;
}
