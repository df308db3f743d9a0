import { Injectable, Logger } from '@nestjs/common';
import { PlanRepository } from '../catalog/plan.repository';
import { Clock } from '../common/clock';
import type { Tenant } from '../common/tenant';
import { CustomerRepository } from '../customers/customer.repository';
import { Db, isUniqueViolation } from '../database/db.service';
import { acceptsManualPayment } from '../invoices/invoice-lifecycle';
import { InvoiceService } from '../invoices/invoice.service';
import { DEFAULT_BILLING_SETTINGS } from '../merchants/merchant.defaults';
import type { BillingSettings } from '../merchants/merchant.entity';
import { MerchantRepository } from '../merchants/merchant.repository';
import type { SubscriptionEntity } from '../subscriptions/subscription.entity';
import { toLifecycleState } from '../subscriptions/subscription.mapper';
import { SubscriptionService } from '../subscriptions/subscription.service';
import { addInterval, canTransition, SubscriptionStatus, type LifecycleEvent } from '../subscriptions/subscription-lifecycle';
import { BILLING_ACTOR, BILLING_BATCH_SIZE } from './billing.jobs';
import { BillingRepository, isLockNotAvailable, LIVE_RENEWAL_STATUSES, type DueRow } from './billing.repository';
import { InvoiceExpiryService } from './invoice-expiry.service';
import { renewalTerms } from './renewal-terms';

const DAY_MS = 86_400_000;
const S = SubscriptionStatus;

// In run order: invoices expire first (so an expired renewal is re-issued in the same run), a
// resumed subscription can be renewed at once, and the renewal exists before its period ends.
export const BILLING_RULES = [
  'expire_invoices',
  'void_superseded_renewals',
  'expire_first_invoices',
  'resume',
  'renew',
  'end_periods',
  'end_grace',
  'release_tags',
] as const;

export type BillingRule = (typeof BILLING_RULES)[number];

export interface RuleOutcome {
  changed: number;
  skipped: number;
  failed: number;
}

export type SweepReport = Record<BillingRule, RuleOutcome>;

export interface SweepFailure {
  rule: BillingRule;
  id: string;
  message: string;
}

// Thrown after the whole run, so one bad row never blocks the others but the job still fails visibly.
export class BillingSweepError extends Error {
  constructor(
    readonly report: SweepReport,
    readonly failures: SweepFailure[],
  ) {
    super(`billing sweep: ${failures.length} item(s) failed: ${failures.slice(0, 5).map((f) => `${f.rule} ${f.id}: ${f.message}`).join('; ')}`);
    this.name = 'BillingSweepError';
  }
}

type Work = (tenant: Tenant, id: string) => Promise<boolean>;

// The time-driven billing rules. Every run handles a bounded batch per rule; each row changes in
// its own transaction, locked with SKIP LOCKED and re-checked under the lock, so a second run or a
// second worker finds nothing left to do. Subscription changes go through the lifecycle only.
@Injectable()
export class BillingSweeper {
  private readonly logger = new Logger(BillingSweeper.name);

  constructor(
    private readonly db: Db,
    private readonly billing: BillingRepository,
    private readonly subscriptions: SubscriptionService,
    private readonly invoices: InvoiceService,
    private readonly invoiceExpiry: InvoiceExpiryService,
    private readonly plans: PlanRepository,
    private readonly customers: CustomerRepository,
    private readonly merchants: MerchantRepository,
    private readonly clock: Clock,
  ) {}

  async sweep(options: { batchSize?: number } = {}): Promise<SweepReport> {
    const now = this.clock.now();
    const limit = options.batchSize ?? BILLING_BATCH_SIZE;
    const failures: SweepFailure[] = [];
    const each = (rule: BillingRule, rows: DueRow[], work: Work) => this.each(rule, rows, work, failures);
    const report: SweepReport = {
      expire_invoices: await each('expire_invoices', await this.billing.dueInvoiceExpiries(now, limit), (tenant, id) =>
        this.invoiceExpiry.expire(tenant, BILLING_ACTOR, id, now),
      ),
      void_superseded_renewals: await each('void_superseded_renewals', await this.billing.supersededRenewals(limit), (tenant, id) =>
        this.invoiceExpiry.voidSuperseded(tenant, BILLING_ACTOR, id, now),
      ),
      expire_first_invoices: await each('expire_first_invoices', await this.billing.dueFirstInvoiceExpiries(now, limit), (tenant, id) =>
        this.expireFirstInvoice(tenant, id, now),
      ),
      resume: await each('resume', await this.billing.dueResumes(now, limit), (tenant, id) => this.resume(tenant, id, now)),
      renew: await each('renew', await this.billing.dueRenewals(now, limit), (tenant, id) => this.issueRenewal(tenant, id, now)),
      end_periods: await each('end_periods', await this.billing.duePeriodEnds(now, limit), (tenant, id) => this.endPeriod(tenant, id, now)),
      end_grace: await each('end_grace', await this.billing.dueGraceExpiries(now, limit), (tenant, id) => this.endGrace(tenant, id, now)),
      release_tags: { changed: await this.db.transaction(() => this.invoiceExpiry.releaseTags(now, limit)), skipped: 0, failed: 0 },
    };
    const changed = BILLING_RULES.filter((rule) => report[rule].changed > 0).map((rule) => `${rule}=${report[rule].changed}`);
    if (changed.length > 0) this.logger.log({ now: now.toISOString(), changed: changed.join(' ') }, 'billing sweep applied changes');
    if (failures.length > 0) throw new BillingSweepError(report, failures);
    return report;
  }

  private async each(rule: BillingRule, rows: DueRow[], work: Work, failures: SweepFailure[]): Promise<RuleOutcome> {
    const outcome: RuleOutcome = { changed: 0, skipped: 0, failed: 0 };
    for (const row of rows) {
      const tenant: Tenant = { merchantId: row.merchantId, livemode: row.livemode };
      try {
        if (await this.db.transaction(() => work(tenant, row.id))) outcome.changed += 1;
        else outcome.skipped += 1;
      } catch (err) {
        // Someone else holds a row we need, or won the race to the same renewal: theirs to finish.
        if (isLockNotAvailable(err) || isUniqueViolation(err, 'invoice_cycle_open_uq')) {
          outcome.skipped += 1;
          continue;
        }
        outcome.failed += 1;
        const message = err instanceof Error ? err.message : String(err);
        failures.push({ rule, id: row.id, message });
        this.logger.error({ rule, id: row.id, merchantId: row.merchantId, err: message }, 'billing rule failed');
      }
    }
    return outcome;
  }

  // Rule 1: the invoice for [periodEnd, periodEnd + interval), renewalLeadDays before the period ends.
  // Re-issued when the previous one expired unpaid, so a past-due customer can always pay during grace.
  private async issueRenewal(tenant: Tenant, id: string, now: Date): Promise<boolean> {
    const sub = await this.billing.tryLockSubscription(tenant, id);
    if (!sub || (sub.status !== S.Active && sub.status !== S.PastDue) || sub.cancelAtPeriodEnd) return false;
    const merchant = await this.merchants.getById(tenant.merchantId);
    if (!merchant) return false;
    if (sub.currentPeriodEnd.getTime() - settings(merchant.billingSettings).renewalLeadDays * DAY_MS > now.getTime()) return false;
    const existing = await this.billing.renewalInvoices(tenant, sub.id, sub.currentPeriodEnd);
    if (existing.some((i) => LIVE_RENEWAL_STATUSES.includes(i.status))) return false;

    const plan = await this.plans.getById(tenant, sub.pendingPlanId ?? sub.planId);
    const customer = await this.customers.getById(tenant, sub.customerId);
    const { price, interval } = renewalTerms(sub, plan, customer.paymentAssetId);
    await this.invoices.issue(tenant, BILLING_ACTOR, {
      merchant,
      customerId: sub.customerId,
      subscriptionId: sub.id,
      plan,
      price,
      quantity: sub.quantity,
      periodStart: sub.currentPeriodEnd,
      periodEnd: addInterval(sub.currentPeriodEnd, interval),
      billingReason: 'subscription_cycle',
    });
    return true;
  }

  // Rule 2: at period end, a scheduled cancellation takes effect; an unpaid renewal makes it past due.
  // A paid renewal is left alone: the reconciler applies renewal_paid when it marks the invoice paid.
  private async endPeriod(tenant: Tenant, id: string, now: Date): Promise<boolean> {
    const sub = await this.billing.tryLockSubscription(tenant, id);
    if (!sub || now < sub.currentPeriodEnd) return false;
    if (sub.cancelAtPeriodEnd) return this.apply(tenant, sub, { type: 'period_ended_with_cancel', now });
    if (sub.status !== S.Active) return false;
    const renewals = await this.billing.renewalInvoices(tenant, sub.id, sub.currentPeriodEnd);
    if (renewals.some((i) => i.status === 'paid')) return false;
    const merchant = await this.merchants.getById(tenant.merchantId);
    return this.apply(tenant, sub, { type: 'period_ended_unpaid', now, graceDays: settings(merchant?.billingSettings).graceDays });
  }

  // Rule 3: grace over, canceled or marked unpaid per the merchant's setting.
  private async endGrace(tenant: Tenant, id: string, now: Date): Promise<boolean> {
    const sub = await this.billing.tryLockSubscription(tenant, id);
    if (!sub) return false;
    const merchant = await this.merchants.getById(tenant.merchantId);
    return this.apply(tenant, sub, { type: 'grace_expired', now, onGraceExpiry: settings(merchant?.billingSettings).onGraceExpiry });
  }

  // Rule 4: a pause with a resume date ends on time; the lifecycle slides the period by the paused time.
  private async resume(tenant: Tenant, id: string, now: Date): Promise<boolean> {
    const sub = await this.billing.tryLockSubscription(tenant, id);
    if (!sub || sub.status !== S.Paused || !sub.resumeAt || sub.resumeAt > now) return false;
    return this.apply(tenant, sub, { type: 'resume', now });
  }

  // Rule 5: a first invoice that ran out unpaid ends the subscription before it ever started.
  private async expireFirstInvoice(tenant: Tenant, id: string, now: Date): Promise<boolean> {
    const sub = await this.billing.tryLockSubscription(tenant, id);
    if (!sub || sub.status !== S.Incomplete) return false;
    await this.billing.lockPayableInvoicesNowait(tenant, sub.id);
    const first = await this.billing.firstInvoice(tenant, sub.id);
    if (!first || first.expiresAt > now || !acceptsManualPayment(first.status)) return false;
    if (first.status !== 'expired') await this.invoiceExpiry.markExpired(tenant, BILLING_ACTOR, first, now);
    return this.apply(tenant, sub, { type: 'first_invoice_expired', now });
  }

  // The lifecycle decides legality under the lock: a row someone already moved is skipped, not failed.
  private async apply(tenant: Tenant, sub: SubscriptionEntity, event: LifecycleEvent): Promise<boolean> {
    if (!canTransition(toLifecycleState(sub), event)) return false;
    // Ending a subscription voids its open invoices: take those locks now, without waiting.
    await this.billing.lockPayableInvoicesNowait(tenant, sub.id);
    await this.subscriptions.applyTransition(tenant, BILLING_ACTOR, sub, event);
    return true;
  }
}

function settings(current: BillingSettings | undefined): BillingSettings {
  return { ...DEFAULT_BILLING_SETTINGS, ...current };
}
