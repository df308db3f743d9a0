import { z } from 'zod';
import { ID_PATTERN } from '../common/ids';
import { createZodDto } from '../common/zod-dto';
import { MAX_LIFETIME_SECONDS, PORTAL_SCOPES } from './portal-link.signer';

// Deep-link targets a link may open on; ids are checked against the session's customer on use.
export const INITIAL_PAGE = /^(overview|subscriptions|invoices|payments|profile|wallets|(subscription|invoice|pay|cancel):[a-z]{2,5}_[0-9A-Za-z]{22})$/;

export const createPortalLinkSchema = z
  .object({
    customerId: z.string().regex(ID_PATTERN, 'must be a customer id'),
    expiresIn: z.number().int().min(60).max(MAX_LIFETIME_SECONDS, 'portal links live at most 86400 seconds (24 hours)').optional(),
    returnUrl: z.url({ protocol: /^https$/ }).max(2048).optional(),
    initialPage: z.string().regex(INITIAL_PAGE, 'one of overview, subscriptions, invoices, payments, profile, wallets, invoice:<id>, pay:<id>, subscription:<id>, cancel:<id>').optional(),
    singleUse: z.boolean().default(false),
    // Embed mode: the portal runs in an iframe on one of the merchant's registered embedOrigins.
    embed: z.boolean().default(false),
    scopes: z
      .array(z.enum(PORTAL_SCOPES as [string, ...string[]]))
      .min(1)
      .refine((s) => new Set(s).size === s.length, 'scopes must be unique')
      .optional(),
  })
  .strict();

export class CreatePortalLinkDto extends createZodDto(createPortalLinkSchema) {}
export type CreatePortalLinkInput = z.infer<typeof createPortalLinkSchema>;
