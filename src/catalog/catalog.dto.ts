import { z } from 'zod';
import { pageQuerySchema } from '../common/list.dto';
import { createZodDto } from '../common/zod-dto';

// Base units as a decimal string: JSON numbers cannot carry 18-decimal amounts exactly.
export const baseUnits = z
  .string()
  .regex(/^[1-9][0-9]{0,77}$/, 'a positive integer amount in base units, as a string (e.g. "10000000" for 10 USDC)')
  .transform((v) => BigInt(v));

export const intervalSchema = z
  .object({
    unit: z.enum(['day', 'week', 'month', 'year']),
    count: z.number().int().min(1).max(365),
  })
  .strict();

export const createPlanSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().trim().max(1000).nullable().optional(),
    interval: intervalSchema,
    prices: z
      .array(z.object({ assetId: z.string().min(1).max(200), amount: baseUnits }).strict())
      .min(1)
      .max(20)
      .refine((prices) => new Set(prices.map((p) => p.assetId)).size === prices.length, 'one price per asset'),
    metadata: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/), z.string().max(500)).optional(),
  })
  .strict();

export const listPlansSchema = pageQuerySchema
  .extend({ active: z.enum(['true', 'false']).transform((v) => v === 'true').optional() })
  .strict();

export class CreatePlanDto extends createZodDto(createPlanSchema) {}
export class ListPlansDto extends createZodDto(listPlansSchema) {}
export type CreatePlanInput = z.infer<typeof createPlanSchema>;
