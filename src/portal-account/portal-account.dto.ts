import { z } from 'zod';
import { createZodDto } from '../common/zod-dto';

const REGIONS = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
// Codes ICU names that are not countries (unknown region, EU, UN, private-use ranges).
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB']);

export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && !NOT_COUNTRIES.has(code) && REGIONS.of(code) !== undefined;
}

export function countryName(code: string): string {
  return (isCountryCode(code) && REGIONS.of(code)) || code;
}

// An HTML form sends every field as a string, empty when left blank: blank means "not set".
const optionalText = (max: number, label: string) =>
  z
    .string()
    .trim()
    .max(max, `${label} can be at most ${max} characters.`)
    .transform((v) => (v === '' ? null : v));

export const COUNTRY_MESSAGE = 'Use a two-letter ISO country code, such as DE or US.';

// The billing-profile form. Strict: a field the form does not have is refused (mass assignment).
export const profileFormSchema = z
  .object({
    _csrf: z.string().max(100),
    legalName: optionalText(200, 'Legal name'),
    company: optionalText(200, 'Company'),
    billingEmail: z
      .string()
      .trim()
      .max(254, 'Billing email can be at most 254 characters.')
      .refine((v) => v === '' || z.email().safeParse(v).success, 'Enter a valid email address, such as billing@example.com.')
      .transform((v) => (v === '' ? null : v)),
    line1: optionalText(200, 'Address line 1'),
    line2: optionalText(200, 'Address line 2'),
    city: optionalText(100, 'City'),
    postalCode: optionalText(20, 'Postal code'),
    region: optionalText(100, 'Region'),
    country: z
      .string()
      .trim()
      .transform((v) => v.toUpperCase())
      .refine((v) => v === '' || isCountryCode(v), COUNTRY_MESSAGE)
      .transform((v) => (v === '' ? null : v)),
    taxId: optionalText(50, 'Tax ID'),
  })
  .strict();

export type ProfileForm = z.infer<typeof profileFormSchema>;
export const PROFILE_FORM_FIELDS = ['legalName', 'company', 'billingEmail', 'line1', 'line2', 'city', 'postalCode', 'region', 'country', 'taxId'] as const;
export type ProfileFormField = (typeof PROFILE_FORM_FIELDS)[number];

export const paymentMethodSchema = z
  .object({
    _csrf: z.string().max(100),
    assetId: z.string().regex(/^asset_[0-9]{1,12}_[A-Za-z0-9]{1,64}$/, 'not an asset id'),
  })
  .strict();

export const activityQuerySchema = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) }).strict();

// Flash notices after a successful POST (PRG): only these codes are shown, never free text.
export const noticeQuerySchema = z.object({ done: z.enum(['profile-saved', 'profile-unchanged', 'payment-method-saved', 'payment-method-unchanged']).optional() }).strict();

export class PaymentMethodDto extends createZodDto(paymentMethodSchema) {}
export class ActivityQueryDto extends createZodDto(activityQuerySchema) {}
export class NoticeQueryDto extends createZodDto(noticeQuerySchema) {}
