import type { z } from 'zod';
import { updateMerchantSchema, type UpdateMerchantInput } from '../merchants/merchant.dto';

// The settings forms, turned into the API's PATCH body and validated by the very schema the API
// uses (src/merchants/merchant.dto.ts); issues map back to the form field that caused them.

export type FormBody = Record<string, unknown>;
export type FieldErrors = Record<string, string>;
export type SettingsSection = 'branding' | 'portal' | 'claims' | 'addresses' | 'urls';

export interface ParsedForm {
  input: UpdateMerchantInput | null;
  errors: FieldErrors;
}

export function field(body: FormBody, name: string): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
}

export function fields(body: FormBody, name: string): string[] {
  const value = body[name];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
}

// Textareas hold one entry per line.
export function lines(body: FormBody, name: string): string[] {
  return field(body, name)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

const checked = (body: FormBody, name: string): boolean => field(body, name) === 'on' || field(body, name) === 'true';
const orNull = (v: string): string | null => (v === '' ? null : v);

// A number field: blank is `blank`, anything else must be a whole number (else NaN, which the schema rejects).
function whole(v: string, blank: number | null): number | null {
  if (v === '') return blank;
  return /^-?\d{1,9}$/.test(v) ? Number(v) : NaN;
}

export function settingsPatch(section: SettingsSection, body: FormBody, chainIds: number[]): Record<string, unknown> {
  switch (section) {
    case 'branding':
      return {
        branding: {
          logoUrl: orNull(field(body, 'logoUrl')),
          primaryColor: field(body, 'primaryColor'),
          accentColor: field(body, 'accentColor'),
          footerText: orNull(field(body, 'footerText')),
          supportEmail: orNull(field(body, 'supportEmail')),
        },
      };
    case 'portal': {
      const minutes = whole(field(body, 'linkLifetimeMinutes'), null);
      return {
        portalSettings: {
          cancel: checked(body, 'cancel'),
          cancelMode: field(body, 'cancelMode'),
          pause: checked(body, 'pause'),
          maxPauseDays: whole(field(body, 'maxPauseDays'), null),
          switchPlan: checked(body, 'switchPlan'),
          allowedPlanSwitches: fields(body, 'allowedPlanSwitches'),
          profileEdit: checked(body, 'profileEdit'),
          walletLink: checked(body, 'walletLink'),
          invoiceDownload: checked(body, 'invoiceDownload'),
          cancellationReasons: lines(body, 'cancellationReasons'),
        },
        defaultLinkTtlSeconds: minutes === null ? NaN : minutes * 60,
      };
    }
    // Only this key: the merchant service merges it into the other billing settings.
    case 'claims':
      return { billingSettings: { claims: field(body, 'claims') } };
    case 'addresses': {
      // A proof travels with its address: the challenge the page issued and the wallet's signature.
      const proofs = chainIds.filter((id) => field(body, `challenge_${id}`) !== '' || field(body, `signature_${id}`) !== '');
      return {
        receivingAddresses: Object.fromEntries(chainIds.map((id) => [String(id), orNull(field(body, `address_${id}`))])),
        ...(proofs.length > 0
          ? { addressProofs: Object.fromEntries(proofs.map((id) => [String(id), { challengeId: field(body, `challenge_${id}`), signature: field(body, `signature_${id}`) }])) }
          : {}),
      };
    }
    case 'urls':
      return { returnUrlPrefixes: lines(body, 'returnUrlPrefixes'), embedOrigins: lines(body, 'embedOrigins') };
  }
}

export function parseSettingsForm(section: SettingsSection, body: FormBody, chainIds: number[]): ParsedForm {
  const result = updateMerchantSchema.safeParse(settingsPatch(section, body, chainIds));
  if (result.success) return { input: result.data, errors: {} };
  return { input: null, errors: fieldErrors(result.error.issues) };
}

// API paths (branding.logoUrl, returnUrlPrefixes.2, receivingAddresses.31337) → form fields.
export function formFieldOf(path: readonly PropertyKey[]): { name: string; line: number | null } {
  const [head, second] = path.map(String);
  switch (head) {
    case 'branding':
    case 'portalSettings':
    case 'billingSettings':
      return { name: second ?? head, line: null };
    case 'receivingAddresses':
    case 'addressProofs':
      return { name: `address_${second}`, line: null };
    case 'defaultLinkTtlSeconds':
      return { name: 'linkLifetimeMinutes', line: null };
    case 'returnUrlPrefixes':
    case 'embedOrigins':
      return { name: head, line: second !== undefined ? Number(second) + 1 : null };
    default:
      return { name: head ?? 'form', line: null };
  }
}

export function fieldErrors(issues: readonly Pick<z.core.$ZodIssue, 'path' | 'message'>[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const { name, line } = formFieldOf(issue.path);
    const message = friendly(name, issue.message);
    errors[name] ??= line ? `Line ${line}: ${message}` : message;
  }
  return errors;
}

function friendly(name: string, message: string): string {
  if (name === 'linkLifetimeMinutes') return 'a whole number of minutes from 1 to 1440';
  if (name === 'maxPauseDays') return 'a whole number of days from 1 to 365, or empty for no limit';
  if (name === 'cancelMode') return 'choose when a cancellation takes effect';
  if (name === 'claims') return 'choose whether claims wait for your review';
  if (name === 'supportEmail') return 'an email address such as billing@example.com';
  if (name === 'logoUrl') return 'an https:// URL';
  return message.replace(/^Invalid input: /, '');
}
