import type { Actor } from '../common/tenant';

// The webhooks queue: one job per delivery attempt, plus the dispatcher's tick.
export const WEBHOOK_QUEUE = 'webhooks';

export enum WebhookJobName {
  // Drain the outbox into deliveries, and re-enqueue due deliveries whose job was lost.
  Tick = 'webhook-tick',
  Attempt = 'webhook-attempt',
  // Retention of the delivery log.
  Purge = 'webhook-purge',
}

export interface AttemptJobData {
  deliveryId: string;
  attempt: number;
}

export const WEBHOOK_TICK_SCHEDULER_ID = 'webhook-tick';
export const WEBHOOK_TICK_EVERY_MS = 1_000;
export const WEBHOOK_PURGE_SCHEDULER_ID = 'webhook-purge';
export const WEBHOOK_PURGE_EVERY_MS = 60 * 60 * 1_000;

// Outbox rows claimed per dispatcher transaction; due deliveries re-enqueued per tick.
export const DISPATCH_BATCH_SIZE = 100;
export const SWEEP_BATCH_SIZE = 500;

// Deterministic: an attempt slot is enqueued at most once while its job exists. BullMQ refuses ':'.
export function attemptJobId(deliveryId: string, attempt: number): string {
  return `wh-${deliveryId}-${attempt}`;
}

export const ATTEMPT_JOB_OPTIONS = {
  // Retries of the *job* are for our own failures (database, Redis); the receiver's failures are
  // scheduled as new attempts by the delivery service.
  attempts: 3,
  backoff: { type: 'exponential', delay: 2_000 },
  // Removed on completion so a lost or early-finished slot can be enqueued again by the sweep;
  // the database (attempt_count, lease_until) is what stops a slot from being sent twice.
  // Failed jobs stay on the board for a few minutes only, for the same reason.
  removeOnComplete: true,
  removeOnFail: { age: 300 },
} as const;

export const WEBHOOK_ACTOR: Actor = { type: 'system', id: 'webhook-delivery', initiator: 'system' };
