import { z } from 'zod';
import { createZodDto } from '../common/zod-dto';

// The claims page and its review forms (form bodies: every value a string). The note and reason
// are checked in the service against the merchant API's own rules, so their errors show on the page.

export const CLAIM_TABS = ['needs_review', 'all', 'verified', 'rejected'] as const;
export type ClaimTab = (typeof CLAIM_TABS)[number];

const tab = z.enum(CLAIM_TABS).default('needs_review');
const page = z.coerce.number().int().min(1).max(10_000).default(1);

export const claimsQuerySchema = z.object({ status: tab, page, notice: z.string().max(40).optional() }).strict();

// `status` and `page` say where the form was, so the redirect returns to the same list.
export const approveClaimFormSchema = z.object({ _csrf: z.string().max(100), status: tab, page, note: z.string().max(5_000).default('') }).strict();
export const rejectClaimFormSchema = z.object({ _csrf: z.string().max(100), status: tab, page, reason: z.string().max(5_000).default('') }).strict();

export class ClaimsQueryDto extends createZodDto(claimsQuerySchema) {}
export class ApproveClaimFormDto extends createZodDto(approveClaimFormSchema) {}
export class RejectClaimFormDto extends createZodDto(rejectClaimFormSchema) {}

// Fixed messages for the notice codes the redirects carry (never text from the query string).
const CLAIM_NOTICES: Record<string, string> = {
  'claim-approved': 'The claim was approved: the transfer now pays its invoice.',
  'claim-rejected': 'The claim was rejected. The customer sees your reason in the portal.',
};

export function claimNoticeText(code: string | undefined): string | null {
  return code ? (CLAIM_NOTICES[code] ?? null) : null;
}

export function claimsPath(status: ClaimTab, page: number, notice?: string): string {
  return `/dashboard/claims?status=${status}${page > 1 ? `&page=${page}` : ''}${notice ? `&notice=${notice}` : ''}`;
}
