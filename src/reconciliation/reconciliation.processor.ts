import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { INGEST_QUEUE, TICK_JOB, type TickJobData } from './reconciliation.jobs';
import { FatalReorgError, ReconciliationService } from './reconciliation.service';

// Thin: one tick per job; errors propagate so BullMQ retries with backoff. A reorg deeper than
// finality is not retried: the chain is halted in PostgreSQL until an operator resumes it.
@Processor(INGEST_QUEUE)
export class ReconciliationProcessor extends WorkerHost {
  private readonly logger = new Logger(ReconciliationProcessor.name);

  constructor(private readonly reconciliation: ReconciliationService) {
    super();
  }

  async process(job: Job<TickJobData>): Promise<unknown> {
    if (job.name !== TICK_JOB) throw new UnrecoverableError(`unknown job ${job.name}`);
    try {
      const result = await this.reconciliation.tick(job.data.chainId);
      return { ...result, head: result.head.toString(), cursor: result.cursor.toString() };
    } catch (err) {
      if (err instanceof FatalReorgError) throw new UnrecoverableError(err.message);
      throw err;
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<TickJobData> | undefined, err: Error): void {
    this.logger.warn({ chain: job?.data.chainId, attempt: job?.attemptsMade, err: err.message }, 'chain tick failed');
  }
}
