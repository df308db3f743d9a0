import { z } from 'zod';
import { ID_PATTERN } from '../common/ids';
import { pageQuerySchema } from '../common/list.dto';
import { createZodDto } from '../common/zod-dto';

export const listPaymentsSchema = pageQuerySchema
  .extend({
    customerId: z.string().regex(ID_PATTERN).optional(),
    invoiceId: z.string().regex(ID_PATTERN).optional(),
    status: z.enum(['seen', 'confirmed', 'final', 'orphaned']).optional(),
    matched: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  })
  .strict();

export const assignPaymentSchema = z.object({ invoiceId: z.string().regex(ID_PATTERN, 'must be an invoice id') }).strict();

export class ListPaymentsDto extends createZodDto(listPaymentsSchema) {}
export class AssignPaymentDto extends createZodDto(assignPaymentSchema) {}
