import { z } from 'zod';
import { ID_PATTERN } from '../common/ids';
import { pageQuerySchema } from '../common/list.dto';
import { createZodDto } from '../common/zod-dto';
import { INVOICE_STATUSES } from './invoice-lifecycle';

export const listInvoicesSchema = pageQuerySchema
  .extend({
    customerId: z.string().regex(ID_PATTERN).optional(),
    subscriptionId: z.string().regex(ID_PATTERN).optional(),
    status: z.enum(INVOICE_STATUSES).optional(),
  })
  .strict();

export class ListInvoicesDto extends createZodDto(listInvoicesSchema) {}
