import type { BillingProfileData } from './billing-profile.entity';
import type { CustomerEntity } from './customer.entity';

export function customerView(c: CustomerEntity, billingProfile?: BillingProfileData) {
  return {
    id: c.id,
    object: 'customer' as const,
    livemode: c.livemode,
    email: c.email,
    name: c.name,
    externalId: c.externalId,
    paymentAssetId: c.paymentAssetId,
    // Needed to mint portal links offline; bumped when all links are revoked.
    portalTokenEpoch: c.portalTokenEpoch,
    metadata: c.metadata,
    ...(billingProfile ? { billingProfile } : {}),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export type CustomerView = ReturnType<typeof customerView>;
