import { z } from 'zod';
import { ID_PATTERN } from '../common/ids';
import { pageQuerySchema } from '../common/list.dto';
import { createZodDto } from '../common/zod-dto';

export const listInvoicesSchema = pageQuerySchema
  .extend({
    customerId: z.string().regex(ID_PATTERN).optional(),
    subscriptionId: z.string().regex(ID_PATTERN).optional(),
    status: z.enum(['open', 'partially_paid', 'paid', 'expired', 'void']).optional(),
  })
  .strict();

export class ListInvoicesDto extends createZodDto(listInvoicesSchema) {}
