import { z } from 'zod';
import { pageQuerySchema } from '../common/list.dto';
import { createZodDto } from '../common/zod-dto';

const text = (max: number) => z.string().trim().min(1).max(max);
const metadataSchema = z
  .record(z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'metadata keys: 1-40 of A-Z a-z 0-9 _ . -'), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 metadata keys');

export const billingProfileSchema = z
  .object({
    legalName: text(200).nullable().optional(),
    company: text(200).nullable().optional(),
    email: z.email().max(254).nullable().optional(),
    address: z
      .object({
        line1: text(200).nullable().optional(),
        line2: text(200).nullable().optional(),
        city: text(100).nullable().optional(),
        postalCode: text(20).nullable().optional(),
        region: text(100).nullable().optional(),
        country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code').nullable().optional(),
      })
      .strict()
      .optional(),
    taxId: text(50).nullable().optional(),
  })
  .strict();

export const createCustomerSchema = z
  .object({
    email: z.email().max(254),
    name: text(200).nullable().optional(),
    externalId: text(255).nullable().optional(),
    metadata: metadataSchema.optional(),
    billingProfile: billingProfileSchema.optional(),
  })
  .strict();

export const updateCustomerSchema = createCustomerSchema
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'send at least one field to change');

export const listCustomersSchema = pageQuerySchema
  .extend({
    email: z.string().max(254).optional(),
    externalId: z.string().max(255).optional(),
  })
  .strict();

export class CreateCustomerDto extends createZodDto(createCustomerSchema) {}
export class UpdateCustomerDto extends createZodDto(updateCustomerSchema) {}
export class ListCustomersDto extends createZodDto(listCustomersSchema) {}
export type BillingProfileInput = z.infer<typeof billingProfileSchema>;
