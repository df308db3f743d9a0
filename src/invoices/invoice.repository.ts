import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { NotFoundError } from '../common/errors';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { findOwned, paginate, type Page, type PageQuery } from '../database/tenant-scope';
import { InvoiceEntity, type InvoiceStatus } from './invoice.entity';
import { MAX_TAG, MIN_TAG } from './amount-tag';
import { AWAITING_PAYMENT, sqlStatuses } from './invoice-lifecycle';

export interface InvoiceFilter extends PageQuery {
  customerId?: string;
  subscriptionId?: string;
  status?: InvoiceStatus;
}

@Injectable()
export class InvoiceRepository {
  constructor(private readonly db: Db) {}

  getById(tenant: Tenant, id: string): Promise<InvoiceEntity> {
    return findOwned(this.db.repo(InvoiceEntity), tenant, id, 'invoice');
  }

  list(tenant: Tenant, filter: InvoiceFilter): Promise<Page<InvoiceEntity>> {
    const qb = this.db.repo(InvoiceEntity).createQueryBuilder('i');
    if (filter.customerId) qb.andWhere('i.customer_id = :customerId', { customerId: filter.customerId });
    if (filter.subscriptionId) qb.andWhere('i.subscription_id = :subscriptionId', { subscriptionId: filter.subscriptionId });
    if (filter.status) qb.andWhere('i.status = :status', { status: filter.status });
    return paginate(qb, tenant, filter);
  }

  listAwaitingForSubscription(tenant: Tenant, subscriptionId: string): Promise<InvoiceEntity[]> {
    return this.db.repo(InvoiceEntity).find({ where: { merchantId: tenant.merchantId, livemode: tenant.livemode, subscriptionId, status: In([...AWAITING_PAYMENT]) } });
  }

  // Amounts already reserved on this address within the tag window of this subtotal (any merchant's,
  // since the uniqueness is per receiving address on chain).
  async heldAmounts(chainId: number, token: string, payTo: string, subtotal: bigint): Promise<bigint[]> {
    const rows: { amount_due: string }[] = await this.db.manager.query(
      `SELECT amount_due FROM invoice WHERE tag_held AND chain_id = $1 AND token = $2 AND pay_to = $3 AND amount_due BETWEEN $4 AND $5`,
      [chainId, token, payTo, (subtotal + BigInt(MIN_TAG)).toString(), (subtotal + BigInt(MAX_TAG)).toString()],
    );
    return rows.map((r) => BigInt(r.amount_due));
  }

  // System paths (settlement) know the invoice only by id; the row carries its tenant.
  lockById(id: string): Promise<InvoiceEntity | null> {
    return this.db.repo(InvoiceEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async lockOwned(tenant: Tenant, id: string): Promise<InvoiceEntity> {
    const invoice = await this.db.repo(InvoiceEntity).findOne({ where: { id, merchantId: tenant.merchantId, livemode: tenant.livemode }, lock: { mode: 'pessimistic_write' } });
    if (!invoice) throw new NotFoundError('invoice', id);
    return invoice;
  }

  // What is matched to the invoice: received counts every payment not reversed, confirmed only
  // those at confirmation depth.
  async paymentTotals(invoiceId: string): Promise<{ received: bigint; confirmed: bigint }> {
    const [row]: { received: string; confirmed: string }[] = await this.db.manager.query(
      `SELECT COALESCE(SUM(amount) FILTER (WHERE state <> 'orphaned'), 0) AS received,
              COALESCE(SUM(amount) FILTER (WHERE state IN ('confirmed', 'final')), 0) AS confirmed
       FROM payment WHERE invoice_id = $1`,
      [invoiceId],
    );
    return { received: BigInt(row.received), confirmed: BigInt(row.confirmed) };
  }

  // The monitoring window of an invoice no longer awaiting payment is over: its exact amount goes
  // back to the pool (the lifecycle's release_tag rule, in one statement; busy rows wait a sweep).
  async releaseTags(now: Date, limit: number): Promise<number> {
    const rows: { n: number }[] = await this.db.manager.query(
      `WITH due AS (
         SELECT id FROM invoice
         WHERE tag_held AND NOT (status IN (${sqlStatuses(AWAITING_PAYMENT)})) AND monitor_until <= $1
         ORDER BY monitor_until, id LIMIT $2
         FOR UPDATE SKIP LOCKED),
       released AS (
         UPDATE invoice SET tag_held = false, updated_at = now() FROM due WHERE invoice.id = due.id RETURNING invoice.id)
       SELECT count(*)::int AS n FROM released`,
      [now, limit],
    );
    return rows[0].n;
  }

  save(invoice: InvoiceEntity): Promise<InvoiceEntity> {
    return this.db.repo(InvoiceEntity).save(invoice);
  }
}
