import type { BillingProfileData } from './billing-profile.entity';

// Billing-profile values are encrypted at rest, so audit rows and events carry the names of the
// changed fields, never their values (the merchant API and the portal both use this).
export function changedProfileFields(before: BillingProfileData, after: BillingProfileData): string[] {
  const fields: string[] = [];
  for (const key of ['legalName', 'company', 'email', 'taxId'] as const) if (before[key] !== after[key]) fields.push(key);
  const keys = new Set([...Object.keys(before.address), ...Object.keys(after.address)]) as Set<keyof BillingProfileData['address']>;
  for (const key of keys) if ((before.address[key] ?? null) !== (after.address[key] ?? null)) fields.push(`address.${key}`);
  return fields;
}
