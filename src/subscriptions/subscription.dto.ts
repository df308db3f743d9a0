import { z } from 'zod';
import { ID_PATTERN } from '../common/ids';
import { pageQuerySchema } from '../common/list.dto';
import { createZodDto } from '../common/zod-dto';

const id = z.string().regex(ID_PATTERN, 'must be an object id');

export const createSubscriptionSchema = z
  .object({
    customerId: id,
    planId: id,
    // Which of the plan's prices to bill in; defaults to the customer's chosen asset, then the plan's first price.
    assetId: z.string().min(1).max(200).optional(),
    quantity: z.number().int().min(1).max(100_000).default(1),
    metadata: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/), z.string().max(500)).optional(),
  })
  .strict();

export const cancelSubscriptionSchema = z
  .object({
    atPeriodEnd: z.boolean().default(true),
    reason: z.string().trim().min(1).max(500).nullable().optional(),
  })
  .strict();

export const listSubscriptionsSchema = pageQuerySchema
  .extend({
    customerId: id.optional(),
    status: z.enum(['incomplete', 'incomplete_expired', 'active', 'past_due', 'paused', 'canceled', 'unpaid']).optional(),
  })
  .strict();

export class CreateSubscriptionDto extends createZodDto(createSubscriptionSchema) {}
export class CancelSubscriptionDto extends createZodDto(cancelSubscriptionSchema) {}
export class ListSubscriptionsDto extends createZodDto(listSubscriptionsSchema) {}
export type CreateSubscriptionInput = z.infer<typeof createSubscriptionSchema>;
export type CancelSubscriptionInput = z.infer<typeof cancelSubscriptionSchema>;
