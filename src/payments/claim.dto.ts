import { z } from 'zod';
import { ID_PATTERN } from '../common/ids';
import { pageQuerySchema } from '../common/list.dto';
import { createZodDto } from '../common/zod-dto';

export const claimSchema = z.object({ txHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a 32-byte transaction hash (0x + 64 hex)') }).strict();

export const listClaimsSchema = pageQuerySchema
  .extend({
    status: z.enum(['pending', 'needs_review', 'verified', 'rejected']).optional(),
    invoiceId: z.string().regex(ID_PATTERN).optional(),
  })
  .strict();

export const approveClaimSchema = z.object({ note: z.string().trim().max(500).optional() }).strict();
export const rejectClaimSchema = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

export class ClaimDto extends createZodDto(claimSchema) {}
export class ListClaimsDto extends createZodDto(listClaimsSchema) {}
export class ApproveClaimDto extends createZodDto(approveClaimSchema) {}
export class RejectClaimDto extends createZodDto(rejectClaimSchema) {}
