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
import { AWAITING_PAYMENT } from '../invoices/invoice-lifecycle';

// The portal's reads, every one scoped by (merchant, mode, customer) from the session: an id in
// the URL that belongs to anyone else is simply not found.
const HEAD_CACHE_MS = 1_000;

@Injectable()
export class PortalRepository {
  private headCache: { until: number; heads: Map<number, bigint> } | null = null;

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

  // Subscriptions that have not ended, each with its plan and price, in one query.
  async subscriptionsWithPlans(tenant: Tenant, customerId: string): Promise<{ subscription: SubscriptionEntity; plan: PlanEntity | null; price: PriceEntity | null }[]> {
    const rows = await this.db
      .repo(SubscriptionEntity)
      .createQueryBuilder('s')
      .leftJoinAndMapOne('s.plan', PlanEntity, 'plan', 'plan.id = s.plan_id AND plan.merchant_id = s.merchant_id')
      .leftJoinAndMapOne('s.price', PriceEntity, 'price', 'price.id = s.price_id AND price.merchant_id = s.merchant_id')
      .where('s.merchant_id = :merchantId AND s.livemode = :livemode AND s.customer_id = :customerId', { merchantId: tenant.merchantId, livemode: tenant.livemode, customerId })
      .andWhere(`s.status NOT IN ('canceled', 'incomplete_expired')`)
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .getMany();
    return rows.map((row) => {
      const joined = row as SubscriptionEntity & { plan?: PlanEntity; price?: PriceEntity };
      return { subscription: row, plan: joined.plan ?? null, price: joined.price ?? null };
    });
  }

  // Credit from overpayments and repeat payments, per asset; it pays the next invoice first.
  async credits(tenant: Tenant, customerId: string): Promise<{ assetId: string; amount: bigint }[]> {
    const rows: { asset_id: string; amount: string }[] = await this.db.manager.query(
      `SELECT c.asset_id, c.amount FROM customer_credit c JOIN customer cu ON cu.id = c.customer_id AND cu.livemode = $3
       WHERE c.merchant_id = $1 AND c.customer_id = $2 AND c.amount > 0 ORDER BY c.asset_id`,
      [tenant.merchantId, customerId, tenant.livemode],
    );
    return rows.map((r) => ({ assetId: r.asset_id, amount: BigInt(r.amount) }));
  }

  recentInvoices(tenant: Tenant, customerId: string, options: { openOnly: boolean; limit: number }): Promise<InvoiceEntity[]> {
    return this.db.repo(InvoiceEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, customerId, status: options.openOnly ? In([...AWAITING_PAYMENT]) : Not('void') },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: options.limit,
    });
  }

  recentPayments(tenant: Tenant, customerId: string, limit: number): Promise<PaymentEntity[]> {
    return this.db.repo(PaymentEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, customerId },
      order: { blockTimestamp: 'DESC', id: 'DESC' },
      take: limit,
    });
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
        ...(options.openOnly ? { status: In([...AWAITING_PAYMENT]) } : { status: Not('void') }),
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

  // Chain heads move every block; a second of staleness costs nothing and saves a query per page.
  async heads(chainIds: number[]): Promise<Map<number, bigint>> {
    const wanted = [...new Set(chainIds)];
    if (!wanted.length) return new Map();
    const now = Date.now();
    if (!this.headCache || this.headCache.until <= now || wanted.some((id) => !this.headCache!.heads.has(id))) {
      const cursors = await this.db.repo(ChainCursorEntity).find();
      this.headCache = { until: now + HEAD_CACHE_MS, heads: new Map(cursors.map((c) => [c.chainId, BigInt(c.headNumber)])) };
    }
    return this.headCache.heads;
  }
}
