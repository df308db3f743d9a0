import { Injectable } from '@nestjs/common';
import { In, Not } from 'typeorm';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { PriceEntity } from '../catalog/price.entity';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { SubscriptionEntity } from '../subscriptions/subscription.entity';

// Reads for the account pages, each scoped by (merchant, mode, customer) from the portal session.
@Injectable()
export class PortalAccountRepository {
  constructor(private readonly db: Db) {}

  // The assets the merchant prices the customer's current plans in: the choices a payment asset
  // may take, since a renewal can only be billed in an asset its plan has a price in.
  async pricedAssets(tenant: Tenant, customerId: string): Promise<string[]> {
    const subscriptions = await this.db.repo(SubscriptionEntity).find({
      select: { planId: true, pendingPlanId: true },
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, customerId, status: Not(In(['canceled', 'incomplete_expired'])) },
    });
    const planIds = [...new Set(subscriptions.flatMap((s) => [s.planId, ...(s.pendingPlanId ? [s.pendingPlanId] : [])]))];
    if (!planIds.length) return [];
    const prices = await this.db.repo(PriceEntity).find({
      select: { assetId: true },
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, planId: In(planIds) },
    });
    return [...new Set(prices.map((p) => p.assetId))].sort();
  }

  activity(tenant: Tenant, customerId: string, page: { limit: number; offset: number }): Promise<[AuditEventEntity[], number]> {
    return this.db.repo(AuditEventEntity).findAndCount({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, customerId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: page.limit,
      skip: page.offset,
    });
  }
}
