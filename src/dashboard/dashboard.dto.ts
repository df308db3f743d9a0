import { z } from 'zod';
import { createZodDto } from '../common/zod-dto';

// Form bodies of the dashboard (application/x-www-form-urlencoded: every value a string).
// Forms whose errors are shown next to their fields take the raw body and validate in the service.

const csrf = z.string().max(100);

export const signInSchema = z
  .object({
    _csrf: csrf.optional(),
    email: z.string().max(320).default(''),
    password: z.string().max(1024).default(''),
    next: z.string().max(500).optional(),
  })
  .strict();

export const csrfOnlySchema = z.object({ _csrf: csrf }).strict();

export const modeSchema = z.object({ _csrf: csrf, mode: z.enum(['test', 'live']), back: z.string().max(200).optional() }).strict();

export const assignSchema = z.object({ _csrf: csrf, invoiceId: z.string().trim().max(100).default('') }).strict();

export const searchSchema = z
  .object({
    q: z.string().max(200).default(''),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
  })
  .strict();

export const paymentsQuerySchema = z
  .object({
    filter: z.enum(['all', 'unmatched', 'reversed']).default('all'),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    notice: z.string().max(40).optional(),
  })
  .strict();

export const redeliverSchema = z.object({ _csrf: csrf, endpointId: z.string().trim().max(100).default('') }).strict();

export const noticeQuerySchema = z.object({ notice: z.string().max(40).optional() }).strict();
export const signInQuerySchema = z.object({ next: z.string().max(500).optional(), notice: z.string().max(40).optional() }).strict();

export class SignInDto extends createZodDto(signInSchema) {}
export class DashboardCsrfDto extends createZodDto(csrfOnlySchema) {}
export class ModeDto extends createZodDto(modeSchema) {}
export class AssignDto extends createZodDto(assignSchema) {}
export class SearchDto extends createZodDto(searchSchema) {}
export class PaymentsQueryDto extends createZodDto(paymentsQuerySchema) {}
export class RedeliverDto extends createZodDto(redeliverSchema) {}
export class NoticeQueryDto extends createZodDto(noticeQuerySchema) {}
export class SignInQueryDto extends createZodDto(signInQuerySchema) {}

// Only a path inside the dashboard, so `next` cannot send a signed-in user anywhere else.
export function safeNext(next: string | undefined): string {
  return next && /^\/dashboard(\/[A-Za-z0-9_\-/]*)?(\?[A-Za-z0-9_\-=&%.]*)?$/.test(next) && !next.includes('//') ? next : '/dashboard';
}

// Fixed messages for the notice codes redirects carry (never text from the query string).
export const NOTICES: Record<string, string> = {
  'signed-out': 'You are signed out.',
  'password-changed': 'Your password was changed. Other sessions were signed out.',
  'links-revoked': 'Every portal link of this customer was revoked, and their open portal sessions ended.',
  'link-emailed': 'A fresh portal link was emailed to the customer.',
  'payment-assigned': 'The payment was assigned and the invoice settled again.',
  saved: 'Settings saved.',
  'key-revoked': 'The API key was revoked. Requests with it now fail.',
  'endpoint-deleted': 'The webhook endpoint was deleted.',
  'endpoint-enabled': 'The webhook endpoint was enabled; new events reach it again.',
  'endpoint-disabled': 'The webhook endpoint was disabled; it receives nothing until enabled.',
  redelivered: 'The event was queued for delivery again, with the same webhook-id.',
  'test-sent': 'A test event was queued for delivery; it appears under recent deliveries.',
};

export function noticeText(code: string | undefined): string | null {
  return code ? (NOTICES[code] ?? null) : null;
}
