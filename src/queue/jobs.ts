// The typed job catalogue: every queue, job name and payload in one place.
export enum QueueName {
  Maintenance = 'maintenance',
}

export enum JobName {
  PurgeIdempotencyKeys = 'purge-idempotency-keys',
}

export interface JobPayloads {
  [JobName.PurgeIdempotencyKeys]: Record<string, never>;
}

export const JOB_DEFAULTS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

// Every queue an operator may inspect on the queue board.
export const BOARD_QUEUES = [QueueName.Maintenance, 'ingest', 'claim', 'billing', 'webhooks'] as const;
// (ingest and claim: src/reconciliation/reconciliation.jobs.ts; billing: src/billing/billing.jobs.ts; webhooks: src/webhooks/webhook.jobs.ts)
