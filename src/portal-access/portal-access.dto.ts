import { z } from 'zod';
import { createZodDto } from '../common/zod-dto';

// _csrf may be absent here so that a missing token answers 403 (the CSRF check), not 400.
export const requestLinkSchema = z
  .object({
    _csrf: z.string().max(100).optional(),
    email: z.string().trim().min(3).max(254).regex(/^[^\s@]+@[^\s@]+$/, 'an email address'),
  })
  .strict();

export const entryQuerySchema = z.object({ sent: z.literal('1').optional() }).strict();

export class RequestLinkDto extends createZodDto(requestLinkSchema) {}
export class EntryQueryDto extends createZodDto(entryQuerySchema) {}
