import { Injectable } from '@nestjs/common';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { InvoiceEntity, type InvoiceStatus } from '../invoices/invoice.entity';
import { DEFAULT_BILLING_SETTINGS } from '../merchants/merchant.defaults';
import { SubscriptionEntity } from '../subscriptions/subscription.entity';
import { ACCEPTS_MANUAL_PAYMENT, AWAITING_PAYMENT, sqlStatuses } from '../invoices/invoice-lifecycle';

// A row that some billing rule has to look at, with the tenant it belongs to.
export interface DueRow {
  id: string;
  merchantId: string;
  livemode: boolean;
}

interface RawDueRow {
  id: string;
  merchant_id: string;
  livemode: boolean;
}

// A renewal invoice that can still be paid, or already was: while one exists, none is issued.
export const LIVE_RENEWAL_STATUSES: readonly InvoiceStatus[] = ['open', 'partially_paid', 'paid'];

const toDue = (rows: RawDueRow[]): DueRow[] => rows.map((r) => ({ id: r.id, merchantId: r.merchant_id, livemode: r.livemode }));

// The due-work queries of the billing sweep. The `due*` scans cross tenants on purpose (one sweep
// serves every merchant); everything that reads or locks a single row takes the tenant first.
@Injectable()
export class BillingRepository {
  constructor(private readonly db: Db) {}

  // period_end - renewalLeadDays <= now, written as period_end <= now + lead so the index applies.
  async dueRenewals(now: Date, limit: number): Promise<DueRow[]> {
    return toDue(
      await this.db.manager.query(
        `SELECT s.id, s.merchant_id, s.livemode
         FROM subscription s JOIN merchant m ON m.id = s.merchant_id
         WHERE s.status IN ('active', 'past_due') AND NOT s.cancel_at_period_end
           AND s.current_period_end <= $1::timestamptz + make_interval(days => COALESCE((m.billing_settings->>'renewalLeadDays')::int, $3))
           AND NOT EXISTS (
             SELECT 1 FROM invoice i
             WHERE i.subscription_id = s.id AND i.billing_reason = 'subscription_cycle'
               AND i.period_start = s.current_period_end AND i.status = ANY($4::text[]))
         ORDER BY s.current_period_end, s.id
         LIMIT $2`,
        [now, limit, DEFAULT_BILLING_SETTINGS.renewalLeadDays, [...LIVE_RENEWAL_STATUSES]],
      ),
    );
  }

  // Active past its period end (unless the renewal is already paid: the reconciler renews those),
  // or past due with a cancellation scheduled.
  async duePeriodEnds(now: Date, limit: number): Promise<DueRow[]> {
    return toDue(
      await this.db.manager.query(
        `SELECT s.id, s.merchant_id, s.livemode
         FROM subscription s
         WHERE s.current_period_end <= $1
           AND ((s.status = 'active' AND (s.cancel_at_period_end OR NOT EXISTS (
                   SELECT 1 FROM invoice i
                   WHERE i.subscription_id = s.id AND i.billing_reason = 'subscription_cycle'
                     AND i.period_start = s.current_period_end AND i.status = 'paid')))
             OR (s.status = 'past_due' AND s.cancel_at_period_end))
         ORDER BY s.current_period_end, s.id
         LIMIT $2`,
        [now, limit],
      ),
    );
  }

  async dueGraceExpiries(now: Date, limit: number): Promise<DueRow[]> {
    return toDue(
      await this.db.manager.query(
        `SELECT id, merchant_id, livemode FROM subscription
         WHERE status = 'past_due' AND grace_until <= $1
         ORDER BY grace_until, id LIMIT $2`,
        [now, limit],
      ),
    );
  }

  async dueResumes(now: Date, limit: number): Promise<DueRow[]> {
    return toDue(
      await this.db.manager.query(
        `SELECT id, merchant_id, livemode FROM subscription
         WHERE status = 'paused' AND resume_at <= $1
         ORDER BY resume_at, id LIMIT $2`,
        [now, limit],
      ),
    );
  }

  // Incomplete subscriptions whose first invoice ran out unpaid (open, partially paid, or already expired).
  async dueFirstInvoiceExpiries(now: Date, limit: number): Promise<DueRow[]> {
    return toDue(
      await this.db.manager.query(
        `SELECT s.id, s.merchant_id, s.livemode
         FROM subscription s
         WHERE s.status = 'incomplete'
           AND EXISTS (
             SELECT 1 FROM invoice i
             WHERE i.subscription_id = s.id AND i.billing_reason = 'subscription_create'
               AND i.expires_at <= $1 AND i.status IN (${sqlStatuses(ACCEPTS_MANUAL_PAYMENT)}))
           AND NOT EXISTS (
             SELECT 1 FROM invoice i
             WHERE i.subscription_id = s.id AND i.billing_reason = 'subscription_create' AND i.status = 'paid')
         ORDER BY s.created_at, s.id
         LIMIT $2`,
        [now, limit],
      ),
    );
  }

  async dueInvoiceExpiries(now: Date, limit: number): Promise<DueRow[]> {
    return toDue(
      await this.db.manager.query(
        `SELECT id, merchant_id, livemode FROM invoice
         WHERE status IN (${sqlStatuses(AWAITING_PAYMENT)}) AND expires_at <= $1
         ORDER BY expires_at, id LIMIT $2`,
        [now, limit],
      ),
    );
  }

  // Open renewal invoices made redundant by a paid one for the same period (a re-issued invoice
  // after the first was paid late, within its monitoring window).
  async supersededRenewals(limit: number): Promise<DueRow[]> {
    return toDue(
      await this.db.manager.query(
        `SELECT i.id, i.merchant_id, i.livemode
         FROM invoice i
         WHERE i.billing_reason = 'subscription_cycle' AND i.status = 'open'
           AND EXISTS (
             SELECT 1 FROM invoice p
             WHERE p.subscription_id = i.subscription_id AND p.billing_reason = 'subscription_cycle'
               AND p.period_start = i.period_start AND p.status = 'paid')
         ORDER BY i.created_at, i.id
         LIMIT $1`,
        [limit],
      ),
    );
  }

  // Null when another worker holds the row: it is doing this work, so skip rather than wait.
  async tryLockSubscription(tenant: Tenant, id: string): Promise<SubscriptionEntity | null> {
    const locked: unknown[] = await this.db.manager.query(
      `SELECT id FROM subscription WHERE id = $1 AND merchant_id = $2 AND livemode = $3 FOR UPDATE SKIP LOCKED`,
      [id, tenant.merchantId, tenant.livemode],
    );
    if (locked.length === 0) return null;
    return this.db.repo(SubscriptionEntity).findOneBy({ id, merchantId: tenant.merchantId, livemode: tenant.livemode });
  }

  async tryLockInvoice(tenant: Tenant, id: string): Promise<InvoiceEntity | null> {
    const locked: unknown[] = await this.db.manager.query(
      `SELECT id FROM invoice WHERE id = $1 AND merchant_id = $2 AND livemode = $3 FOR UPDATE SKIP LOCKED`,
      [id, tenant.merchantId, tenant.livemode],
    );
    if (locked.length === 0) return null;
    return this.db.repo(InvoiceEntity).findOneBy({ id, merchantId: tenant.merchantId, livemode: tenant.livemode });
  }

  // Settlement locks an invoice and then its subscription; a sweep holding the subscription must
  // never wait for those invoices (a deadlock), so it fails fast (55P03) and retries next tick.
  async lockPayableInvoicesNowait(tenant: Tenant, subscriptionId: string): Promise<void> {
    await this.db.manager.query(
      `SELECT id FROM invoice WHERE subscription_id = $1 AND merchant_id = $2 AND status IN (${sqlStatuses(AWAITING_PAYMENT)}) FOR UPDATE NOWAIT`,
      [subscriptionId, tenant.merchantId],
    );
  }

  renewalInvoices(tenant: Tenant, subscriptionId: string, periodStart: Date): Promise<InvoiceEntity[]> {
    return this.db.repo(InvoiceEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, subscriptionId, billingReason: 'subscription_cycle', periodStart },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  firstInvoice(tenant: Tenant, subscriptionId: string): Promise<InvoiceEntity | null> {
    return this.db.repo(InvoiceEntity).findOne({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, subscriptionId, billingReason: 'subscription_create' },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }
}

export function isLockNotAvailable(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  return (e?.code ?? e?.driverError?.code) === '55P03';
}
