import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import type { BlockHeader } from '../chain/chain.reader';
import { MetricsService } from '../infra/metrics.service';

// Per-chain health: how far the cursor trails the head, in blocks and seconds; reorgs; errors.
@Injectable()
export class ChainMetrics {
  readonly head: Gauge<'chain'>;
  readonly cursor: Gauge<'chain'>;
  readonly lagBlocks: Gauge<'chain'>;
  readonly lagSeconds: Gauge<'chain'>;
  readonly reorgs: Counter<'chain'>;
  readonly rpcErrors: Counter<'chain'>;
  readonly unmatched: Counter<'chain'>;
  readonly halted: Gauge<'chain'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.head = new Gauge({ name: 'billfold_chain_head_block', help: 'Latest block number seen on the chain', labelNames: ['chain'], registers });
    this.cursor = new Gauge({ name: 'billfold_chain_cursor_block', help: 'Last block processed', labelNames: ['chain'], registers });
    this.lagBlocks = new Gauge({ name: 'billfold_chain_lag_blocks', help: 'Blocks between head and cursor', labelNames: ['chain'], registers });
    this.lagSeconds = new Gauge({ name: 'billfold_chain_lag_seconds', help: 'Seconds since the cursor block was produced', labelNames: ['chain'], registers });
    this.reorgs = new Counter({ name: 'billfold_chain_reorgs_total', help: 'Reorgs handled', labelNames: ['chain'], registers });
    this.rpcErrors = new Counter({ name: 'billfold_chain_tick_errors_total', help: 'Ticks that failed (RPC or database)', labelNames: ['chain'], registers });
    this.unmatched = new Counter({ name: 'billfold_chain_unmatched_payments_total', help: 'Payments that matched no invoice', labelNames: ['chain'], registers });
    this.halted = new Gauge({ name: 'billfold_chain_halted', help: '1 when the chain is halted after a reorg deeper than finality', labelNames: ['chain'], registers });
  }

  observeTick(chainId: number, head: BlockHeader, cursor: BlockHeader, now: Date, _reorgs: number): void {
    const chain = String(chainId);
    this.head.set({ chain }, Number(head.number));
    this.cursor.set({ chain }, Number(cursor.number));
    this.lagBlocks.set({ chain }, Number(head.number - cursor.number));
    this.lagSeconds.set({ chain }, Math.max(0, (now.getTime() - cursor.timestamp.getTime()) / 1000));
    this.halted.set({ chain }, 0);
  }
}
