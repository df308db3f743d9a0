import type { MerchantEntity } from './merchant.entity';

export function merchantView(m: MerchantEntity) {
  return {
    id: m.id,
    object: 'merchant' as const,
    name: m.name,
    slug: m.slug,
    status: m.status,
    branding: m.branding,
    portalSettings: m.portalSettings,
    billingSettings: m.billingSettings,
    returnUrlPrefixes: m.returnUrlPrefixes,
    embedOrigins: m.embedOrigins,
    defaultLinkTtlSeconds: m.defaultLinkTtlSeconds,
    receivingAddresses: m.receivingAddresses,
    createdAt: m.createdAt.toISOString(),
  };
}

export type MerchantView = ReturnType<typeof merchantView>;
