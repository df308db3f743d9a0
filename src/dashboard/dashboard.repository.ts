import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { PlanEntity } from '../catalog/plan.entity';
import { NotFoundError } from '../common/errors';
import type { Tenant } from '../common/tenant';
import { CustomerEntity } from '../customers/customer.entity';
import { Db } from '../database/db.service';
import { InvoiceEntity } from '../invoices/invoice.entity';
import { PaymentEntity } from '../payments/payment.entity';
import { ACCEPTS_MANUAL_PAYMENT, sqlStatuses } from '../invoices/invoice-lifecycle';

export type PaymentFilter = 'all' | 'unmatched' | 'reversed';

export interface RevenueRow {
  assetId: string;
  day: string; // YYYY-MM-DD (UTC)
  total: bigint;
}

export interface CursorRow {
  chainId: number;
  block: bigint;
  latestBlock: bigint | null;
  blockTime: Date | null;
  updatedAt: Date;
  haltedAt: Date | null;
  haltReason: string | null;
}

export interface WalletRow {
  address: string;
  payments: number;
  lastSeen: Date;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

// The dashboard's own reads. Every query is scoped by the session's (merchant, mode): an id in
// the URL that belongs to another merchant, or to the other mode, is simply not found.
@Injectable()
export class DashboardRepository {
  constructor(private readonly db: Db) {}

  // Email, name and external id match as substrings; an exact customer id or a 0x address (the
  // sender of one of the customer's payments) match too.
  async searchCustomers(tenant: Tenant, query: string, limit: number, offset: number): Promise<[CustomerEntity[], number]> {
    const qb = this.db
      .repo(CustomerEntity)
      .createQueryBuilder('c')
      .where('c.merchant_id = :merchantId AND c.livemode = :livemode AND c.deleted_at IS NULL', tenant);
    const q = query.trim();
    if (q) {
      const like = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
      const clauses = ['c.email ILIKE :like', 'c.name ILIKE :like', 'c.external_id ILIKE :like', 'c.id = :exact'];
      if (ADDRESS.test(q)) {
        clauses.push(`c.id IN (SELECT p.customer_id FROM payment p WHERE p.merchant_id = :merchantId AND p.livemode = :livemode
                       AND lower(p.from_address) = lower(:exact) AND p.customer_id IS NOT NULL)`);
      }
      qb.andWhere(`(${clauses.join(' OR ')})`, { like, exact: q });
    }
    return qb.orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC').take(limit).skip(offset).getManyAndCount();
  }

  async customer(tenant: Tenant, id: string): Promise<CustomerEntity> {
    const row = await this.db.repo(CustomerEntity).findOneBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, id });
    if (!row || row.deletedAt) throw new NotFoundError('customer', id);
    return row;
  }

  async customersById(tenant: Tenant, ids: (string | null)[]): Promise<Map<string, CustomerEntity>> {
    const wanted = [...new Set(ids.filter((id): id is string => !!id))];
    if (!wanted.length) return new Map();
    const rows = await this.db.repo(CustomerEntity).findBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, id: In(wanted) });
    return new Map(rows.map((c) => [c.id, c]));
  }

  customerInvoices(tenant: Tenant, customerId: string, limit: number): Promise<InvoiceEntity[]> {
    return this.db.repo(InvoiceEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, customerId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  // The addresses a customer has paid from (reversed transfers excluded).
  async wallets(tenant: Tenant, customerId: string): Promise<WalletRow[]> {
    const rows: { address: string; payments: string; last_seen: Date }[] = await this.db.manager.query(
      `SELECT min(from_address) AS address, count(*)::text AS payments, max(block_timestamp) AS last_seen
         FROM payment WHERE merchant_id = $1 AND livemode = $2 AND customer_id = $3 AND state <> 'orphaned'
        GROUP BY lower(from_address) ORDER BY max(block_timestamp) DESC LIMIT 20`,
      [tenant.merchantId, tenant.livemode, customerId],
    );
    return rows.map((r) => ({ address: r.address, payments: Number(r.payments), lastSeen: r.last_seen }));
  }

  activity(tenant: Tenant, customerId: string, limit: number): Promise<AuditEventEntity[]> {
    return this.db.repo(AuditEventEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, customerId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  payments(tenant: Tenant, filter: PaymentFilter, limit: number, offset: number): Promise<[PaymentEntity[], number]> {
    const qb = this.db.repo(PaymentEntity).createQueryBuilder('p').where('p.merchant_id = :merchantId AND p.livemode = :livemode', tenant);
    if (filter === 'unmatched') qb.andWhere(`p.invoice_id IS NULL AND p.state <> 'orphaned'`);
    if (filter === 'reversed') qb.andWhere(`p.state = 'orphaned'`);
    return qb.orderBy('p.block_timestamp', 'DESC').addOrderBy('p.id', 'DESC').take(limit).skip(offset).getManyAndCount();
  }

  async paymentCounts(tenant: Tenant): Promise<{ unmatched: number; reversed: number }> {
    const rows: { unmatched: string; reversed: string }[] = await this.db.manager.query(
      `SELECT count(*) FILTER (WHERE invoice_id IS NULL AND state <> 'orphaned')::text AS unmatched,
              count(*) FILTER (WHERE state = 'orphaned')::text AS reversed
         FROM payment WHERE merchant_id = $1 AND livemode = $2`,
      [tenant.merchantId, tenant.livemode],
    );
    return { unmatched: Number(rows[0]?.unmatched ?? 0), reversed: Number(rows[0]?.reversed ?? 0) };
  }

  async invoicesById(tenant: Tenant, ids: (string | null)[]): Promise<Map<string, InvoiceEntity>> {
    const wanted = [...new Set(ids.filter((id): id is string => !!id))];
    if (!wanted.length) return new Map();
    const rows = await this.db.repo(InvoiceEntity).findBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, id: In(wanted) });
    return new Map(rows.map((i) => [i.id, i]));
  }

  // Invoices an unmatched transfer could pay: same chain, token and receiving address, not settled.
  async assignable(tenant: Tenant, payments: PaymentEntity[]): Promise<InvoiceEntity[]> {
    if (!payments.length) return [];
    const qb = this.db
      .repo(InvoiceEntity)
      .createQueryBuilder('i')
      .where('i.merchant_id = :merchantId AND i.livemode = :livemode', tenant)
      .andWhere(`i.status IN (${sqlStatuses(ACCEPTS_MANUAL_PAYMENT)})`);
    const keys = [...new Map(payments.map((p) => [`${p.chainId}|${p.token.toLowerCase()}|${p.toAddress.toLowerCase()}`, p])).values()];
    qb.andWhere(
      `(${keys.map((_p, n) => `(i.chain_id = :chain${n} AND lower(i.token) = :token${n} AND lower(i.pay_to) = :to${n})`).join(' OR ')})`,
      Object.fromEntries(keys.flatMap((p, n) => [[`chain${n}`, p.chainId], [`token${n}`, p.token.toLowerCase()], [`to${n}`, p.toAddress.toLowerCase()]])),
    );
    return qb.orderBy('i.created_at', 'DESC').take(100).getMany();
  }

  async subscriptionCounts(tenant: Tenant): Promise<Map<string, number>> {
    const rows: { status: string; n: string }[] = await this.db.manager.query(
      `SELECT status, count(*)::text AS n FROM subscription WHERE merchant_id = $1 AND livemode = $2 GROUP BY status`,
      [tenant.merchantId, tenant.livemode],
    );
    return new Map(rows.map((r) => [r.status, Number(r.n)]));
  }

  // Paid invoices per asset and UTC day since `from`.
  async revenue(tenant: Tenant, from: Date): Promise<RevenueRow[]> {
    const rows: { asset_id: string; day: string; total: string }[] = await this.db.manager.query(
      `SELECT asset_id, to_char(date_trunc('day', paid_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, sum(amount_due)::text AS total
         FROM invoice WHERE merchant_id = $1 AND livemode = $2 AND status = 'paid' AND paid_at >= $3
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [tenant.merchantId, tenant.livemode, from],
    );
    return rows.map((r) => ({ assetId: r.asset_id, day: r.day, total: BigInt(r.total) }));
  }

  plans(tenant: Tenant): Promise<PlanEntity[]> {
    return this.db.repo(PlanEntity).find({ where: { merchantId: tenant.merchantId, livemode: tenant.livemode }, order: { createdAt: 'ASC', id: 'ASC' }, take: 200 });
  }

  // Scanner state per chain: the last processed block, the newest head the scanner saw, halts.
  async cursors(chainIds: number[]): Promise<CursorRow[]> {
    if (!chainIds.length) return [];
    const rows: { chain_id: number; head_number: string; latest_head_number: string | null; head_timestamp: Date | null; updated_at: Date; halted_at: Date | null; halt_reason: string | null }[] =
      await this.db.manager.query(
        `SELECT chain_id, head_number, latest_head_number, head_timestamp, updated_at, halted_at, halt_reason FROM chain_cursor WHERE chain_id = ANY($1) ORDER BY chain_id`,
        [chainIds],
      );
    return rows.map((r) => ({
      chainId: r.chain_id,
      block: BigInt(r.head_number),
      latestBlock: r.latest_head_number === null ? null : BigInt(r.latest_head_number),
      blockTime: r.head_timestamp,
      updatedAt: r.updated_at,
      haltedAt: r.halted_at,
      haltReason: r.halt_reason,
    }));
  }
}
