import { Processor, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import { ClaimService } from './claim.service';
import { CLAIM_JOB, CLAIM_QUEUE, type ClaimJobData } from './reconciliation.jobs';

// Thin: RPC errors propagate and are retried; a rejected claim is a result, not an error.
@Processor(CLAIM_QUEUE, { concurrency: 4 })
export class ClaimProcessor extends WorkerHost {
  constructor(private readonly claims: ClaimService) {
    super();
  }

  async process(job: Job<ClaimJobData>): Promise<unknown> {
    if (job.name !== CLAIM_JOB) throw new UnrecoverableError(`unknown job ${job.name}`);
    const claim = await this.claims.verify(job.data.claimId);
    return { status: claim.status, reason: claim.reason };
  }
}
