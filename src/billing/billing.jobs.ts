import type { Actor } from '../common/tenant';

// The billing queue's catalogue: its own queue so a slow sweep never delays maintenance jobs.
export const BILLING_QUEUE = 'billing';

export enum BillingJobName {
  Sweep = 'billing-sweep',
}

export interface BillingJobPayloads {
  [BillingJobName.Sweep]: Record<string, never>;
}

export const BILLING_SWEEP_SCHEDULER_ID = 'billing-sweep';
export const BILLING_SWEEP_EVERY_MS = 60_000;

// How many rows one rule handles per run; the next tick picks up the rest.
export const BILLING_BATCH_SIZE = 100;

// Audit rows and events from time-driven changes name this actor.
export const BILLING_ACTOR: Actor = { type: 'system', id: 'billing-sweeper', initiator: 'system' };
