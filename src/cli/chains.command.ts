import type { Command } from 'commander';
import { loadEnv } from '../config/env';
import { Db } from '../database/db.service';
import { ReconciliationService } from '../reconciliation/reconciliation.service';
import { withCliContext } from './cli-context';
import { UsageError } from './cli-errors';

interface Io {
  out: (line: string) => void;
}

// `billfold chains status|resume`: what the scanners see, and the way out of a halt.
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
}
