import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ApiFixture, HANDLED_SIGNALS, type BenchApi } from './harness/api-fixture';
import { LoadClient } from './harness/load-client';
import { machine, renderTable, writeRecord, type BenchRecord, type ScenarioRecord } from './harness/report';
import type { BenchContext, Scenario } from './harness/scenario';

// `npm run bench [-- name...]`: runs every bench/scenarios/*.scenario.ts (or those whose name contains one of the
// arguments), prints each figure beside its same-run baseline, and records the run in bench/results/<timestamp>.json.
// Never a jest test: timings belong here, where nothing else competes for the two cores.

function log(message: string): void {
  console.log(`[bench] ${message}`);
}

function discover(filters: string[]): Scenario[] {
  const dir = path.join(__dirname, 'scenarios');
  const scenarios = readdirSync(dir)
    .filter((f) => f.endsWith('.scenario.ts'))
    .sort()
    .map((f) => {
      const loaded = require(path.join(dir, f)) as { scenario?: Scenario };
      if (!loaded.scenario) throw new Error(`${f} does not export \`scenario\``);
      return loaded.scenario;
    });
  return filters.length ? scenarios.filter((s) => filters.some((f) => s.name.includes(f))) : scenarios;
}

async function main(): Promise<number> {
  const scenarios = discover(process.argv.slice(2));
  if (!scenarios.length) {
    log('no scenario matches');
    return 2;
  }

  const fixture = new ApiFixture();
  let apiStarting: Promise<BenchApi> | null = null;
  let load: LoadClient | null = null;
  const ctx: BenchContext = {
    api: () => (apiStarting ??= fixture.start(log)),
    load: () => (load ??= new LoadClient()),
    log,
  };

  // Ctrl-C still drops the database and the Redis keys; a second Ctrl-C gives up on them.
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: cleaning up (Ctrl-C again to abandon)');
    // The process ends here whatever the clean-up does; a failure is reported first.
    void cleanup()
      .catch((err: unknown) => log(`clean-up failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => process.exit(130));
  };
  let cleaned: Promise<boolean> | null = null;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await load?.close();
      return fixture.dispose(log);
    })());
  for (const signal of HANDLED_SIGNALS) process.on(signal, onSignal);

  const startedAt = new Date().toISOString();
  const host = machine();
  const records: ScenarioRecord[] = [];
  let cleanOk: boolean;
  try {
    for (const scenario of scenarios) {
      log(`${scenario.name}: ${scenario.description}`);
      const t0 = Date.now();
      try {
        const result = await scenario.run(ctx);
        records.push({ name: scenario.name, seconds: (Date.now() - t0) / 1000, ...result });
      } catch (err) {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`${scenario.name} failed: ${message}`);
        records.push({ name: scenario.name, seconds: (Date.now() - t0) / 1000, error: message });
      }
    }
  } finally {
    cleanOk = await cleanup();
    for (const signal of HANDLED_SIGNALS) process.removeListener(signal, onSignal);
  }

  const record: BenchRecord = { startedAt, finishedAt: new Date().toISOString(), machine: host, scenarios: records };
  console.log(`\nBillfold bench, ${startedAt}: node ${host.node}, ${host.cpus} x ${host.cpuModel}, ${host.platform}, load average ${host.loadAverage1m.toFixed(2)} at start\n`);
  console.log(renderTable(records));
  console.log(`\nratio = value / baseline value.\nrecorded in ${path.relative(process.cwd(), writeRecord(record))}`);
  const failed = records.some((r) => r.error) || !cleanOk;
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    // Exit by running out of work, not process.exit: a handle left open is a bug worth seeing.
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
