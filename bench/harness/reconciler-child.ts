import { readFileSync, writeFileSync } from 'node:fs';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BillingModule } from '../../src/billing/billing.module';
import { loadEnv } from '../../src/config/env';
import { ReconciliationService } from '../../src/reconciliation/reconciliation.service';
import { WorkerModule } from '../../src/worker.module';
import type { FromChild, TickSummary, ToChild } from './reconciler-protocol';
import { RssSampler } from './rss-sampler';

// Runs in a child process (forked by reconciler-process.ts): the worker's composition root and nothing else, so
// its RSS is the worker's (plus the swc loader), not the bench's or the API's.

let app: INestApplicationContext | null = null;

function send(message: FromChild): void {
  process.send?.(message);
}

async function boot(source: Record<string, string>): Promise<void> {
  const started = Date.now();
  app = await NestFactory.createApplicationContext(withoutProcessors(WorkerModule.forRoot({ env: loadEnv(source) })), { logger: false, abortOnError: false });
  // Let boot-time allocations and timers settle before taking the idle figure, as the API fixture does.
  await new Promise((resolve) => setTimeout(resolve, 500));
  send({ type: 'ready', bootMs: Date.now() - started, idleRssBytes: process.memoryUsage.rss() });
}

// createApplicationContext always runs init(), which starts every BullMQ processor and upserts the tick schedulers
// (a job scheduler's first tick runs at once), and a scheduled tick would hold the chain's advisory lock while the
// timed ones run. So: WorkerModule's imports (core, feature modules) without its processors and schedulers, and
// without BillingModule, which brings another processor and scheduler. What is left is every provider the
// reconciler uses, instantiated exactly as in the worker.
function withoutProcessors(worker: DynamicModule): DynamicModule {
  return { ...worker, imports: worker.imports?.filter((m) => m !== BillingModule), providers: [] };
}

async function catchUp(chainId: number, target: bigint, maxTicks: number): Promise<void> {
  const reconciliation = app!.get(ReconciliationService);
  const peak = new PeakRss();
  const ticks: TickSummary[] = [];
  const started = performance.now();
  for (;;) {
    const t0 = performance.now();
    const result = await reconciliation.tick(chainId);
    ticks.push({ ms: performance.now() - t0, caughtUp: result.caughtUp, processed: result.processed, cursor: result.cursor.toString(), head: result.head.toString() });
    if (result.skipped) throw new Error(`tick ${ticks.length} skipped: ${result.skipped} (${JSON.stringify(ticks)})`);
    if (result.cursor >= target) break;
    if (ticks.length >= maxTicks) throw new Error(`cursor at ${result.cursor} after ${ticks.length} ticks, target ${target}`);
  }
  const elapsedMs = performance.now() - started;
  const { bytes, source } = peak.stop();
  send({ type: 'caughtUp', ticks, elapsedMs, peakRssBytes: bytes, peakSource: source });
}

// The kernel's high-water mark (VmHWM), reset when the measurement starts, catches a spike between two samples;
// where /proc is missing or read-only, a 20 ms sampler stands in.
class PeakRss {
  private readonly sampler = new RssSampler();
  private readonly kernel: boolean;

  constructor() {
    this.kernel = resetHwm();
    this.sampler.start();
  }

  stop(): { bytes: number; source: 'VmHWM' | 'sampled' } {
    const sampled = this.sampler.stop();
    const hwm = this.kernel ? vmHwm() : null;
    return hwm === null ? { bytes: sampled, source: 'sampled' } : { bytes: Math.max(hwm, sampled), source: 'VmHWM' };
  }
}

// Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
function resetHwm(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return vmHwm() !== null;
  } catch {
    return false;
  }
}

function vmHwm(): number | null {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : null;
}

async function close(): Promise<void> {
  await app?.close();
  app = null;
  send({ type: 'closed' });
}

process.on('message', (message: ToChild) => {
  const work = message.type === 'boot' ? boot(message.env) : message.type === 'catchUp' ? catchUp(message.chainId, BigInt(message.target), message.maxTicks) : close();
  work.catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});
// The parent going away (or closing the channel) ends this process.
process.on('disconnect', () => process.exit(0));
