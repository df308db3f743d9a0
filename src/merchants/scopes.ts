// Every merchant API route declares one of these; a key holds a subset. Default is deny.
export const SCOPES = [
  'customers:read',
  'customers:write',
  'plans:read',
  'plans:write',
  'subscriptions:read',
  'subscriptions:write',
  'invoices:read',
  'payments:read',
  'payments:write',
  'portal_links:write',
  'merchant:read',
  'merchant:write',
  'webhooks:manage',
  'api_keys:manage',
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
