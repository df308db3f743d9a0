import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { ClaimNotYetScanned, ClaimService } from './claim.service';
import { CLAIM_JOB, CLAIM_QUEUE, type ClaimJobData } from './reconciliation.jobs';

// How long a claim waits before looking again while the scanner is behind its block.
export const CLAIM_RESCAN_DELAY_MS = 2_000;

// Thin: RPC errors propagate and are retried; a rejected claim is a result, not an error. A claim
// whose block the scanner has not reached yet waits (without spending an attempt) and runs again.
@Processor(CLAIM_QUEUE, { concurrency: 4 })
export class ClaimProcessor extends WorkerHost {
  constructor(private readonly claims: ClaimService) {
    super();
  }

  async process(job: Job<ClaimJobData>, token?: string): Promise<unknown> {
    if (job.name !== CLAIM_JOB) throw new UnrecoverableError(`unknown job ${job.name}`);
    try {
      const claim = await this.claims.verify(job.data.claimId);
      return { status: claim.status, reason: claim.reason };
    } catch (err) {
      if (!(err instanceof ClaimNotYetScanned)) throw err;
      await job.moveToDelayed(Date.now() + CLAIM_RESCAN_DELAY_MS, token);
      throw new DelayedError();
    }
  }
}
