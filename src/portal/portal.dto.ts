import { z } from 'zod';
import { createZodDto } from '../common/zod-dto';

export const pageSchema = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) }).strict();
export const exchangeSchema = z.object({ token: z.string().min(1).max(600) }).strict();
export const csrfOnlySchema = z.object({ _csrf: z.string().max(100) }).strict();

export class PageDto extends createZodDto(pageSchema) {}
export class ExchangeDto extends createZodDto(exchangeSchema) {}
export class CsrfOnlyDto extends createZodDto(csrfOnlySchema) {}
