import { Injectable } from '@nestjs/common';
import { In, Not } from 'typeorm';
import { PlanEntity } from '../catalog/plan.entity';
import { PriceEntity } from '../catalog/price.entity';
import { ChainCursorEntity } from '../chain/chain-cursor.entity';
import { NotFoundError } from '../common/errors';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { InvoiceEntity } from '../invoices/invoice.entity';
import { PaymentEntity } from '../payments/payment.entity';
import { SubscriptionEntity } from '../subscriptions/subscription.entity';

// The portal's reads, every one scoped by (merchant, mode, customer) from the session: an id in
// the URL that belongs to anyone else is simply not found.
@Injectable()
export class PortalRepository {
  constructor(private readonly db: Db) {}

  subscriptions(tenant: Tenant, customerId: string, options: { includeEnded: boolean }): Promise<SubscriptionEntity[]> {
    return this.db.repo(SubscriptionEntity).find({
      where: {
        merchantId: tenant.merchantId,
        livemode: tenant.livemode,
        customerId,
        ...(options.includeEnded ? {} : { status: Not(In(['canceled', 'incomplete_expired'])) }),
      },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  async subscription(tenant: Tenant, customerId: string, id: string): Promise<SubscriptionEntity> {
    const row = await this.db.repo(SubscriptionEntity).findOneBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, customerId, id });
    if (!row) throw new NotFoundError('subscription', id);
    return row;
  }

  async plans(tenant: Tenant, ids: string[]): Promise<Map<string, PlanEntity>> {
    if (!ids.length) return new Map();
    const plans = await this.db.repo(PlanEntity).findBy({ merchantId: tenant.merchantId, id: In([...new Set(ids)]) });
    return new Map(plans.map((p) => [p.id, p]));
  }

  async prices(tenant: Tenant, ids: string[]): Promise<Map<string, PriceEntity>> {
    if (!ids.length) return new Map();
    const prices = await this.db.repo(PriceEntity).findBy({ merchantId: tenant.merchantId, id: In([...new Set(ids)]) });
    return new Map(prices.map((p) => [p.id, p]));
  }

  invoices(tenant: Tenant, customerId: string, options: { openOnly?: boolean; limit: number; offset: number; subscriptionId?: string }): Promise<[InvoiceEntity[], number]> {
    return this.db.repo(InvoiceEntity).findAndCount({
      where: {
        merchantId: tenant.merchantId,
        livemode: tenant.livemode,
        customerId,
        ...(options.openOnly ? { status: In(['open', 'partially_paid']) } : { status: Not('void') }),
        ...(options.subscriptionId ? { subscriptionId: options.subscriptionId } : {}),
      },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: options.limit,
      skip: options.offset,
    });
  }

  async invoice(tenant: Tenant, customerId: string, id: string): Promise<InvoiceEntity> {
    const row = await this.db.repo(InvoiceEntity).findOneBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, customerId, id });
    if (!row) throw new NotFoundError('invoice', id);
    return row;
  }

  payments(tenant: Tenant, customerId: string, options: { limit: number; offset: number; invoiceId?: string }): Promise<[PaymentEntity[], number]> {
    return this.db.repo(PaymentEntity).findAndCount({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, customerId, ...(options.invoiceId ? { invoiceId: options.invoiceId } : {}) },
      order: { blockTimestamp: 'DESC', id: 'DESC' },
      take: options.limit,
      skip: options.offset,
    });
  }

  async heads(chainIds: number[]): Promise<Map<number, bigint>> {
    if (!chainIds.length) return new Map();
    const cursors = await this.db.repo(ChainCursorEntity).findBy({ chainId: In([...new Set(chainIds)]) });
    return new Map(cursors.map((c) => [c.chainId, BigInt(c.headNumber)]));
  }
}
