import { getAddress, isAddress } from 'viem';
import { z } from 'zod';
import { createZodDto } from '../common/zod-dto';

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a hex colour like #1f4fd1');
const httpsUrl = z
  .url({ protocol: /^https$/ })
  .max(2048)
  .refine((v) => URL.canParse(v) && !new URL(v).username && !new URL(v).password, 'must not carry credentials');

// An allowed return-URL prefix: an https origin plus a path prefix, nothing else.
const returnUrlPrefix = httpsUrl.refine((v) => {
  if (!URL.canParse(v)) return false;
  const u = new URL(v);
  return !u.search && !u.hash;
}, 'an https origin and path, without query or fragment');

// An embed origin is exactly an https origin.
const origin = httpsUrl.refine((v) => URL.canParse(v) && new URL(v).origin === v, 'an https origin such as https://app.example.com (no path)');

const address = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), 'must be a 0x address')
  .transform((v) => getAddress(v));

const chainKey = z.string().regex(/^\d{1,12}$/, 'a chain id');

const addressProof = z
  .object({
    challengeId: z.string().min(1).max(64),
    // 0x + 65 bytes for a plain wallet; contract wallets may send longer blobs.
    signature: z.string().trim().min(1).max(20_000),
  })
  .strict();

export const updateMerchantSchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    branding: z
      .object({
        logoUrl: httpsUrl.nullable().optional(),
        primaryColor: hexColor.optional(),
        accentColor: hexColor.optional(),
        footerText: z.string().trim().max(500).nullable().optional(),
        supportEmail: z.email().nullable().optional(),
      })
      .strict()
      .optional(),
    portalSettings: z
      .object({
        cancel: z.boolean().optional(),
        cancelMode: z.enum(['at_period_end', 'immediately']).optional(),
        pause: z.boolean().optional(),
        maxPauseDays: z.number().int().min(1).max(365).nullable().optional(),
        switchPlan: z.boolean().optional(),
        allowedPlanSwitches: z.array(z.string().max(64)).max(100).optional(),
        profileEdit: z.boolean().optional(),
        walletLink: z.boolean().optional(),
        invoiceDownload: z.boolean().optional(),
        cancellationReasons: z.array(z.string().trim().min(1).max(100)).max(20).optional(),
      })
      .strict()
      .optional(),
    billingSettings: z
      .object({
        renewalLeadDays: z.number().int().min(0).max(30).optional(),
        graceDays: z.number().int().min(0).max(60).optional(),
        onGraceExpiry: z.enum(['cancel', 'mark_unpaid']).optional(),
        claims: z.enum(['auto', 'review']).optional(),
      })
      .strict()
      .optional(),
    returnUrlPrefixes: z.array(returnUrlPrefix).max(20).optional(),
    embedOrigins: z.array(origin).max(20).optional(),
    defaultLinkTtlSeconds: z.number().int().min(60).max(86_400).optional(),
    receivingAddresses: z.record(chainKey, address.nullable()).optional(),
    // Proof of control per chain, for live-chain addresses: a challenge from
    // POST /api/v1/merchant/receiving-addresses/challenges and the wallet's signature of its message.
    addressProofs: z.record(chainKey, addressProof).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'send at least one field to change')
  .superRefine((v, ctx) => {
    for (const chainId of Object.keys(v.addressProofs ?? {})) {
      if (!v.receivingAddresses?.[chainId]) ctx.addIssue({ code: 'custom', path: ['addressProofs', chainId], message: 'a proof goes with the receivingAddresses entry it proves' });
    }
  });

export class UpdateMerchantDto extends createZodDto(updateMerchantSchema) {}
export type UpdateMerchantInput = z.infer<typeof updateMerchantSchema>;

export const addressChallengeSchema = z
  .object({
    chainId: z.number().int().positive(),
    address,
  })
  .strict();

export class AddressChallengeDto extends createZodDto(addressChallengeSchema) {}
export type AddressChallengeInput = z.infer<typeof addressChallengeSchema>;
