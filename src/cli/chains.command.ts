import type { Command } from 'commander';
import { loadEnv } from '../config/env';
import { Db } from '../database/db.service';
import { ReconciliationService, type ChunkProgress } from '../reconciliation/reconciliation.service';
import { withCliContext } from './cli-context';
import { UsageError } from './cli-errors';

interface Io {
  out: (line: string) => void;
}

const number = new Intl.NumberFormat('en-US');

// `billfold chains status|resume|catch-up`: what the scanners see, the way out of a halt, and a
// foreground catch-up through the worker's own range engine.
export function registerChainsCommand(program: Command, io: Io, run: (work: () => Promise<void>) => Promise<void>): void {
  const chains = program.command('chains').description('chain scanning: status and recovery');
  chains
    .command('status')
    .description('cursor, head, finalized block and halt state per configured chain')
    .action(() =>
      run(async () => {
        const env = loadEnv();
        const rows: { chain_id: number; head_number: string; finalized_number: string | null; halted_at: Date | null; halt_reason: string | null; updated_at: Date }[] =
          await withCliContext(env, (ctx) => ctx.get(Db).dataSource.query(`SELECT * FROM chain_cursor ORDER BY chain_id`));
        for (const chain of env.CHAINS) {
          const row = rows.find((r) => r.chain_id === chain.chainId);
          if (!row) io.out(`${chain.chainId} ${chain.name}: not scanned yet`);
          else io.out(`${chain.chainId} ${chain.name}: cursor ${row.head_number}, finalized ${row.finalized_number ?? '-'}, ${row.halted_at ? `HALTED (${row.halt_reason})` : 'running'}, updated ${row.updated_at.toISOString()}`);
        }
      }),
    );
  chains
    .command('resume')
    .description('clear a halt after a reorg deeper than finality and rescan from a block you know is canonical')
    .requiredOption('--chain <id>', 'chain id')
    .requiredOption('--from <block>', 'first block to rescan')
    .action((options: { chain: string; from: string }) =>
      run(async () => {
        if (!/^\d+$/.test(options.chain) || !/^\d+$/.test(options.from)) throw new UsageError('--chain and --from take block and chain numbers');
        const env = loadEnv();
        const header = await withCliContext(env, (ctx) => ctx.get(ReconciliationService).resume(Number(options.chain), BigInt(options.from)));
        io.out(`Chain ${options.chain} resumed: the next tick rescans from block ${header.number + 1n}.`);
      }),
    );
  chains
    .command('catch-up')
    .description('scan a chain up to its finalized block in the foreground (the worker engine), with progress; exits when done')
    .requiredOption('--chain <id>', 'chain id')
    .option('--from <block>', 'first block, for a chain never scanned (default: the configured startBlock)')
    .option('--to <block>', 'last block (default and maximum: the finalized block)')
    .action((options: { chain: string; from?: string; to?: string }) =>
      run(async () => {
        for (const [flag, value] of [['--chain', options.chain], ['--from', options.from], ['--to', options.to]] as const) {
          if (value !== undefined && !/^\d+$/.test(value)) throw new UsageError(`${flag} takes a number`);
        }
        const env = loadEnv();
        const progress = new CatchUpProgress(io);
        const report = await withCliContext(env, (ctx) =>
          ctx.get(ReconciliationService).catchUpNow(Number(options.chain), { from: options.from === undefined ? undefined : BigInt(options.from), to: options.to === undefined ? undefined : BigInt(options.to) }, (p) => progress.chunk(p)),
        );
        progress.done();
        const seconds = progress.seconds();
        const blocks = report.to >= report.from ? report.to - report.from + 1n : 0n;
        if (blocks === 0n) io.out(`Chain ${report.chainId} is already caught up to its finalized block ${report.finalized}.`);
        else
          io.out(
            `Caught up chain ${report.chainId} from block ${number.format(report.from)} to ${number.format(report.to)}: ${number.format(report.transfers)} transfers recorded (${number.format(report.matched)} matched to invoices) in ${seconds.toFixed(1)} s, ${number.format(Math.round(Number(blocks) / Math.max(seconds, 0.001)))} blocks/s.`,
          );
      }),
    );
}

// One line per chunk (a progress bar redrawn in place on a terminal): blocks, transfers, rate, ETA.
class CatchUpProgress {
  private readonly started = performance.now();
  private first: bigint | null = null;
  private transfers = 0;
  private drawn = false;

  constructor(private readonly io: Io) {}

  chunk(p: ChunkProgress): void {
    this.first ??= p.from;
    this.transfers += p.transfers;
    const done = p.to - this.first + 1n;
    const seconds = this.seconds();
    const rate = Number(done) / Math.max(seconds, 0.001);
    const total = p.target - this.first + 1n;
    const share = Math.min(100, Math.floor((Number(done) * 100) / Number(total)));
    const eta = rate > 0 ? Math.max(0, Number(total - done) / rate) : null;
    const bar = `[${'#'.repeat(Math.floor(share / 5)).padEnd(20, '.')}] ${String(share).padStart(3)}% `;
    const line = `${bar}blocks ${number.format(this.first)}-${number.format(p.to)} of ${number.format(this.first)}-${number.format(p.target)} · ${number.format(this.transfers)} transfers · ${number.format(Math.round(rate))} blocks/s${eta === null ? '' : ` · ETA ${eta.toFixed(0)} s`}`;
    if (process.stdout.isTTY) {
      process.stdout.write(`\r${line}`);
      this.drawn = true;
    } else {
      this.io.out(line);
    }
  }

  done(): void {
    if (this.drawn) process.stdout.write('\n');
  }

  seconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}
