import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Row, ScenarioResult } from './scenario';

export interface ScenarioRecord extends Partial<ScenarioResult> {
  name: string;
  seconds: number;
  error?: string;
}

export interface BenchRecord {
  startedAt: string;
  finishedAt: string;
  // Load average when the run began: other work on the machine (a jest run, a build) skews every figure.
  machine: { node: string; platform: string; cpus: number; cpuModel: string; totalMemoryMb: number; loadAverage1m: number };
  scenarios: ScenarioRecord[];
}

export function machine(): BenchRecord['machine'] {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
    loadAverage1m: os.loadavg()[0],
  };
}

export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return `${value} ${unit}`;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(ratio >= 10 ? 1 : 2)}x` : 'n/a';
}

// A plain-text table; the ratio column is the figure that carries across machines.
export function renderTable(records: ScenarioRecord[]): string {
  const header = ['figure', 'value', 'baseline (same run)', 'baseline value', 'ratio', 'goal'];
  const lines: string[][] = [];
  for (const record of records) {
    if (record.error) {
      lines.push([`${record.name}: FAILED`, record.error.split('\n')[0], '', '', '', '']);
      continue;
    }
    for (const r of record.rows ?? []) lines.push(cells(r));
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cols: string[]) => cols.map((c, i) => (i === 1 || i === 3 || i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(render)].join('\n');
}

function cells(r: Row): string[] {
  const goal = r.goal ? `${r.goal}${r.met === undefined ? '' : r.met ? '  [met]' : '  [MISSED]'}` : '-';
  return [r.figure, formatValue(r.value, r.unit), r.baseline, formatValue(r.baselineValue, r.unit), formatRatio(r.ratio), goal];
}

export function writeRecord(record: BenchRecord): string {
  const dir = path.resolve(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${record.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
