import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { BOARD_QUEUES } from '../queue/jobs';
import { MetricsService } from './metrics.service';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;

// Gauges read from the shared state at scrape time, so the API's /metrics shows what the workers
// (which serve no HTTP) are doing: chain lag and halts from PostgreSQL, queue depths from Redis.
@Injectable()
export class StateMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const registers = [this.metrics.registry];
    const dataSource = this.dataSource;
    const queues = BOARD_QUEUES.map((name) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    new Gauge({
      name: 'billfold_chain_scan',
      help: 'Per chain: cursor block, latest head seen, lag in blocks and seconds, halted (1/0), unmatched payments, reorgs and failed ticks so far',
      labelNames: ['chain', 'measure'],
      registers,
      async collect() {
        const rows: { chain_id: number; head_number: string; latest_head_number: string | null; head_timestamp: Date | null; halted_at: Date | null; unmatched: string; reorgs_total: string; tick_errors_total: string }[] = await dataSource.query(
          `SELECT c.chain_id, c.head_number, c.latest_head_number, c.head_timestamp, c.halted_at, c.reorgs_total, c.tick_errors_total,
                  (SELECT count(*) FROM payment p WHERE p.chain_id = c.chain_id AND p.invoice_id IS NULL AND p.state <> 'orphaned') AS unmatched
           FROM chain_cursor c`,
        );
        this.reset();
        for (const r of rows) {
          const chain = String(r.chain_id);
          const cursor = Number(r.head_number);
          const head = r.latest_head_number === null ? cursor : Number(r.latest_head_number);
          this.set({ chain, measure: 'cursor_block' }, cursor);
          this.set({ chain, measure: 'head_block' }, head);
          this.set({ chain, measure: 'lag_blocks' }, Math.max(0, head - cursor));
          this.set({ chain, measure: 'lag_seconds' }, r.head_timestamp ? Math.max(0, (Date.now() - r.head_timestamp.getTime()) / 1000) : 0);
          this.set({ chain, measure: 'halted' }, r.halted_at ? 1 : 0);
          this.set({ chain, measure: 'unmatched_payments' }, Number(r.unmatched));
          this.set({ chain, measure: 'reorgs_total' }, Number(r.reorgs_total));
          this.set({ chain, measure: 'tick_errors_total' }, Number(r.tick_errors_total));
        }
      },
    });
    new Gauge({
      name: 'billfold_queue_jobs',
      help: 'BullMQ jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const queue of queues) {
          const counts = await queue.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
      },
    });
  }
}
