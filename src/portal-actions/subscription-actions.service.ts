import { Injectable } from '@nestjs/common';
import type { PlanEntity } from '../catalog/plan.entity';
import { PlanRepository } from '../catalog/plan.repository';
import type { PriceEntity } from '../catalog/price.entity';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError, NotFoundError, ValidationError } from '../common/errors';
import type { Actor, Tenant } from '../common/tenant';
import { CustomerRepository } from '../customers/customer.repository';
import { Db } from '../database/db.service';
import { InvoiceService } from '../invoices/invoice.service';
import type { MerchantEntity } from '../merchants/merchant.entity';
import { MerchantRepository } from '../merchants/merchant.repository';
import type { PortalContext } from '../portal/portal-session.service';
import { PortalPresenter } from '../portal/portal.presenter';
import { PortalRepository } from '../portal/portal.repository';
import { formatDate, formatDateTime, intervalLabel } from '../portal/view-helpers';
import type { SubscriptionEntity } from '../subscriptions/subscription.entity';
import { pendingUpdateOf, toLifecycleState } from '../subscriptions/subscription.mapper';
import { SubscriptionRepository } from '../subscriptions/subscription.repository';
import { SubscriptionService } from '../subscriptions/subscription.service';
import { canTransition, type LifecycleEvent, type PendingUpdate } from '../subscriptions/subscription-lifecycle';
import { prorateUpgrade } from './proration';

const DAY_MS = 86_400_000;
// Far more plans than a portal can list; a merchant with more should use allowedPlanSwitches.
const MAX_SWITCH_PLANS = 100;

export type SubscriptionAction = 'cancel' | 'resume' | 'pause' | 'unpause' | 'switch';
export type ActionAvailability = Record<SubscriptionAction, boolean>;

// What the subscription page says after each action (the PRG redirect carries only the key).
export const DONE_MESSAGES: Record<string, string> = {
  'cancel-scheduled': 'Cancellation scheduled. You keep access until the end of the current period.',
  canceled: 'Your subscription has been canceled.',
  'cancel-undone': 'The cancellation was withdrawn: your subscription continues.',
  paused: 'Your subscription is paused. No renewal invoices are issued while it is paused.',
  resumed: 'Your subscription is active again; the current period moved forward by the time it was paused.',
  'plan-upgraded': 'Your upgrade takes effect once the invoice for the difference is paid. Until then you keep your current plan.',
  'plan-changed': 'Your new plan applies now. Nothing is due for the rest of this period.',
  'plan-change-scheduled': 'Your plan changes at the next renewal. Nothing is due now.',
};

const REFUSED: Record<SubscriptionAction, string> = {
  cancel: 'Canceling is not available from this billing portal. Contact the merchant to cancel.',
  resume: 'Withdrawing a cancellation is not available from this billing portal. Contact the merchant.',
  pause: 'Pausing is not available from this billing portal.',
  unpause: 'Resuming is not available from this billing portal. Contact the merchant.',
  switch: 'Changing plans is not available from this billing portal.',
};

interface SwitchOption {
  plan: PlanEntity;
  price: PriceEntity;
}

// Customer-initiated subscription changes. Every change runs in one transaction on the locked
// row and goes through SubscriptionService.applyTransition (one audit row, one outbox event).
@Injectable()
export class SubscriptionActionsService {
  constructor(
    private readonly db: Db,
    private readonly portal: PortalRepository,
    private readonly subscriptions: SubscriptionRepository,
    private readonly lifecycle: SubscriptionService,
    private readonly plans: PlanRepository,
    private readonly merchants: MerchantRepository,
    private readonly customers: CustomerRepository,
    private readonly invoices: InvoiceService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  // ---- what the subscription page offers -------------------------------------------------

  // An action is offered when the merchant allows it, the link's scopes include 'manage', and the
  // lifecycle would accept it from the subscription's current state.
  async availability(ctx: PortalContext, subscriptionId: string): Promise<ActionAvailability> {
    const [merchant, subscription] = await Promise.all([this.merchant(ctx), this.portal.subscription(ctx.tenant, ctx.customerId, subscriptionId)]);
    const now = this.clock.now();
    const options = this.permitted(ctx, merchant, 'switch') && canTransition(toLifecycleState(subscription), switchProbe(subscription, now)) ? await this.switchOptions(ctx.tenant, merchant, subscription) : [];
    return this.available(ctx, merchant, subscription, now, options.length > 0);
  }

  // The upgrade waiting for its invoice, as the subscription page shows it (null when none waits).
  async pendingUpgrade(ctx: PortalContext, subscriptionId: string) {
    const subscription = await this.portal.subscription(ctx.tenant, ctx.customerId, subscriptionId);
    const pending = pendingUpdateOf(subscription);
    if (!pending) return null;
    const [plans, invoice] = await Promise.all([this.portal.plans(ctx.tenant, [pending.planId]), this.portal.invoice(ctx.tenant, ctx.customerId, pending.invoiceId)]);
    const summary = this.presenter().invoiceSummary(invoice);
    return { planName: plans.get(pending.planId)?.name ?? pending.planId, invoiceId: invoice.id, invoiceNumber: invoice.number, amountDue: summary.amountDue, payable: summary.payable, expiresAt: summary.expiresAt };
  }

  // ---- cancel / resume --------------------------------------------------------------------

  async cancelPage(ctx: PortalContext, id: string) {
    const { layout, merchant, subscription, view } = await this.page(ctx, id, 'Cancel subscription');
    this.requirePermitted(ctx, merchant, 'cancel');
    const now = this.clock.now();
    const immediately = merchant.portalSettings.cancelMode === 'immediately';
    if (!canTransition(toLifecycleState(subscription), cancelEvent(merchant, now, null))) {
      throw new DomainError('illegal_transition', subscription.cancelAtPeriodEnd ? 'This subscription is already set to end at the end of the period.' : `This subscription cannot be canceled: it is ${view.status.toLowerCase()}.`);
    }
    const available = this.available(ctx, merchant, subscription, now, false);
    return {
      ...layout,
      subscription: view,
      immediately,
      endDate: immediately ? formatDate(now) : formatDate(subscription.currentPeriodEnd),
      reasons: merchant.portalSettings.cancellationReasons.map((label, i) => ({ label, id: `reason-${i}` })),
      pauseInstead: available.pause,
    };
  }

  async cancel(ctx: PortalContext, id: string, input: { reason?: string; note?: string }): Promise<string> {
    const merchant = await this.merchant(ctx);
    this.requirePermitted(ctx, merchant, 'cancel');
    const reasons = merchant.portalSettings.cancellationReasons;
    const reason = input.reason ? input.reason : null;
    if (reason !== null && !reasons.includes(reason)) {
      throw new ValidationError('Choose one of the listed reasons', [{ path: 'reason', message: 'not one of the listed reasons' }]);
    }
    const note = input.note ? input.note : null;
    const text = reason && note ? `${reason}: ${note}` : (reason ?? note);
    const saved = await this.transition(ctx, id, (now) => cancelEvent(merchant, now, text));
    return saved.status === 'canceled' ? 'canceled' : 'cancel-scheduled';
  }

  async resume(ctx: PortalContext, id: string): Promise<string> {
    const merchant = await this.merchant(ctx);
    this.requirePermitted(ctx, merchant, 'resume');
    await this.transition(ctx, id, () => ({ type: 'unschedule_cancel' }));
    return 'cancel-undone';
  }

  // ---- pause / unpause --------------------------------------------------------------------

  async pausePage(ctx: PortalContext, id: string) {
    const { layout, merchant, subscription, view } = await this.page(ctx, id, 'Pause subscription');
    this.requirePermitted(ctx, merchant, 'pause');
    const now = this.clock.now();
    if (!canTransition(toLifecycleState(subscription), pauseProbe(now))) {
      throw new DomainError('illegal_transition', `Only an active subscription can be paused; this one is ${view.status.toLowerCase()}.`);
    }
    const maxPauseDays = merchant.portalSettings.maxPauseDays;
    const today = startOfUtcDay(now);
    return {
      ...layout,
      subscription: view,
      // The first selectable day is tomorrow: a resume date must lie after now.
      minDate: isoDay(new Date(today.getTime() + DAY_MS)),
      maxDate: maxPauseDays === null ? null : isoDay(new Date(today.getTime() + maxPauseDays * DAY_MS)),
      maxPauseDays,
      offerIndefinite: maxPauseDays === null,
    };
  }

  async pause(ctx: PortalContext, id: string, input: { mode: 'until' | 'indefinitely'; resumeOn?: string }): Promise<string> {
    const merchant = await this.merchant(ctx);
    this.requirePermitted(ctx, merchant, 'pause');
    const maxPauseDays = merchant.portalSettings.maxPauseDays;
    let resumeAt: Date | null = null;
    if (input.mode === 'until') {
      resumeAt = new Date(`${input.resumeOn ?? ''}T00:00:00.000Z`);
      // Rejects 2026-02-30 and the like, which Date would roll over silently.
      if (Number.isNaN(resumeAt.getTime()) || isoDay(resumeAt) !== input.resumeOn) {
        throw new ValidationError('Choose a valid resume date', [{ path: 'resumeOn', message: 'not a calendar date' }]);
      }
    }
    try {
      await this.transition(ctx, id, (now) => ({ type: 'pause', now, resumeAt, maxPauseDays }));
    } catch (err) {
      // The lifecycle's wording is for developers; say what to change instead.
      if (err instanceof DomainError && (err.details as { reason?: string } | undefined)?.reason === 'invalid_pause') {
        const limit = maxPauseDays === null ? '' : ` and at most ${maxPauseDays} days from today`;
        const message = resumeAt === null ? `Pausing indefinitely is not offered: choose a resume date at most ${maxPauseDays} days from today.` : `Choose a resume date after today${limit}.`;
        throw new DomainError('illegal_transition', message, err.details);
      }
      throw err;
    }
    return 'paused';
  }

  async unpause(ctx: PortalContext, id: string): Promise<string> {
    const merchant = await this.merchant(ctx);
    this.requirePermitted(ctx, merchant, 'unpause');
    await this.transition(ctx, id, (now) => ({ type: 'resume', now }));
    return 'resumed';
  }

  // ---- switch plan ------------------------------------------------------------------------

  async switchPage(ctx: PortalContext, id: string, planId: string | undefined) {
    const { layout, merchant, subscription, view } = await this.page(ctx, id, 'Change plan');
    this.requirePermitted(ctx, merchant, 'switch');
    await this.refuseWhilePending(ctx, subscription);
    const now = this.clock.now();
    if (!canTransition(toLifecycleState(subscription), switchProbe(subscription, now))) {
      throw new DomainError('illegal_transition', `Only an active subscription can change plans; this one is ${view.status.toLowerCase()}.`);
    }
    const [options, currentPrice] = await Promise.all([this.switchOptions(ctx.tenant, merchant, subscription), this.plans.getPrice(ctx.tenant, subscription.priceId)]);
    const p = this.presenter();
    const preview = planId ? this.preview(p, subscription, currentPrice, await this.chosen(ctx.tenant, merchant, subscription, planId), now) : null;
    return {
      ...layout,
      subscription: view,
      plans: options.map(({ plan, price }) => ({
        id: plan.id,
        name: plan.name,
        description: plan.description,
        price: p.money(price.amount * BigInt(subscription.quantity), price.assetId),
        interval: intervalLabel(plan.intervalUnit, plan.intervalCount),
        selected: plan.id === planId,
      })),
      preview,
    };
  }

  async switchPlan(ctx: PortalContext, id: string, planId: string): Promise<string> {
    const merchant = await this.merchant(ctx);
    this.requirePermitted(ctx, merchant, 'switch');
    return this.db.transaction(async () => {
      const subscription = await this.locked(ctx, id);
      await this.refuseWhilePending(ctx, subscription);
      const option = await this.chosen(ctx.tenant, merchant, subscription, planId);
      const currentPrice = await this.plans.getPrice(ctx.tenant, subscription.priceId);
      const now = this.clock.now();
      const upgrade = option.price.amount > currentPrice.amount;
      if (!upgrade) {
        // Downgrades (and equal prices) wait for the renewal, which bills the pending plan.
        await this.lifecycle.applyTransition(ctx.tenant, actorOf(ctx), subscription, { type: 'switch_plan', now, newPlanId: option.plan.id, direction: 'downgrade' });
        return 'plan-change-scheduled';
      }
      const { amount } = prorateUpgrade({
        oldUnitAmount: currentPrice.amount,
        newUnitAmount: option.price.amount,
        quantity: subscription.quantity,
        periodStart: subscription.currentPeriodStart,
        periodEnd: subscription.currentPeriodEnd,
        now,
      });
      if (amount === 0n) {
        // Nothing left to charge: the upgrade applies now. The price is not lifecycle state; set it on the row the transition saves.
        subscription.priceId = option.price.id;
        await this.lifecycle.applyTransition(ctx.tenant, actorOf(ctx), subscription, { type: 'switch_plan', now, newPlanId: option.plan.id, direction: 'upgrade' });
        return 'plan-changed';
      }
      // The plan stays until the invoice for the difference is paid on chain (Stripe's pending_if_incomplete).
      const invoice = await this.invoices.issue(ctx.tenant, actorOf(ctx), {
        merchant,
        customerId: subscription.customerId,
        subscriptionId: subscription.id,
        plan: option.plan,
        price: option.price,
        quantity: subscription.quantity,
        periodStart: now,
        periodEnd: subscription.currentPeriodEnd,
        billingReason: 'subscription_update',
        lineItems: [
          {
            kind: 'proration',
            description: `Upgrade to ${option.plan.name} × ${subscription.quantity}, remainder of the period (${isoDay(now)} – ${isoDay(subscription.currentPeriodEnd)})`,
            planId: option.plan.id,
            priceId: option.price.id,
            quantity: subscription.quantity,
            unitAmount: (option.price.amount - currentPrice.amount).toString(),
            amount: amount.toString(),
            periodStart: now.toISOString(),
            periodEnd: subscription.currentPeriodEnd.toISOString(),
          },
        ],
      });
      await this.lifecycle.applyTransition(ctx.tenant, actorOf(ctx), subscription, {
        type: 'upgrade_requested',
        now,
        newPlanId: option.plan.id,
        newPriceId: option.price.id,
        invoiceId: invoice.id,
      });
      return 'plan-upgraded';
    });
  }

  // ---- internals --------------------------------------------------------------------------

  // One upgrade at a time: a payment already on its way for the first must not end up paying for
  // a second, so the customer pays that invoice or lets it expire before switching again.
  private async refuseWhilePending(ctx: PortalContext, subscription: SubscriptionEntity): Promise<void> {
    const pending: PendingUpdate | null = pendingUpdateOf(subscription);
    if (!pending) return;
    const [plans, invoice] = await Promise.all([
      this.portal.plans(ctx.tenant, [pending.planId]),
      this.portal.invoice(ctx.tenant, ctx.customerId, pending.invoiceId).catch(() => null),
    ]);
    const planName = plans.get(pending.planId)?.name ?? 'another plan';
    const which = invoice ? `invoice ${invoice.number}` : 'its invoice';
    const until = invoice ? ` (it expires ${formatDateTime(invoice.expiresAt)})` : '';
    throw new DomainError('illegal_transition', `Your upgrade to ${planName} is waiting for payment of ${which}. Pay it, or let it expire${until}, before changing plans again.`, {
      reason: 'upgrade_pending',
    });
  }

  private preview(p: PortalPresenter, s: SubscriptionEntity, currentPrice: PriceEntity, option: SwitchOption, now: Date) {
    const upgrade = option.price.amount > currentPrice.amount;
    const proration = upgrade
      ? prorateUpgrade({ oldUnitAmount: currentPrice.amount, newUnitAmount: option.price.amount, quantity: s.quantity, periodStart: s.currentPeriodStart, periodEnd: s.currentPeriodEnd, now })
      : null;
    return {
      planId: option.plan.id,
      planName: option.plan.name,
      upgrade,
      newPrice: p.money(option.price.amount * BigInt(s.quantity), option.price.assetId),
      newInterval: intervalLabel(option.plan.intervalUnit, option.plan.intervalCount),
      currentPrice: p.money(currentPrice.amount * BigInt(s.quantity), currentPrice.assetId),
      dueNow: p.money(proration?.amount ?? 0n, option.price.assetId),
      hasDue: (proration?.amount ?? 0n) > 0n,
      // Whole percent, for the explanation only; the amount itself is exact.
      remainingPercent: proration ? Number((BigInt(proration.remainingMs) * 100n) / BigInt(proration.periodMs)) : null,
      periodEnd: formatDate(s.currentPeriodEnd),
    };
  }

  // The plan the customer picked, if they may switch to it: another merchant's (or an unknown)
  // plan is not found; the current plan or one not offered is refused.
  private async chosen(tenant: Tenant, merchant: MerchantEntity, subscription: SubscriptionEntity, planId: string): Promise<SwitchOption> {
    if (planId === subscription.planId) throw new DomainError('illegal_transition', 'You are already on this plan.', { reason: 'same_plan' });
    const plan = await this.plans.getById(tenant, planId).catch((err: unknown) => {
      // The other mode's plan is as unknown to this customer as another merchant's.
      if (err instanceof DomainError && err.code === 'livemode_mismatch') throw new NotFoundError('plan', planId);
      throw err;
    });
    const option = (await this.switchOptions(tenant, merchant, subscription)).find((o) => o.plan.id === plan.id);
    if (!option) throw new DomainError('unprocessable', `The plan ${plan.name} is not offered for this subscription.`);
    return option;
  }

  // Plans the merchant allows (or, with no list, every active plan of this mode) that have a price
  // in the subscription's asset, never the current plan.
  private async switchOptions(tenant: Tenant, merchant: MerchantEntity, subscription: SubscriptionEntity): Promise<SwitchOption[]> {
    const allowed = merchant.portalSettings.allowedPlanSwitches;
    const page = await this.plans.list(tenant, { active: true, limit: MAX_SWITCH_PLANS });
    const options: SwitchOption[] = [];
    for (const plan of page.data) {
      if (plan.id === subscription.planId || (allowed.length > 0 && !allowed.includes(plan.id))) continue;
      const price = plan.prices.find((pr) => pr.assetId === subscription.assetId);
      if (price) options.push({ plan, price });
    }
    return options.sort((a, b) => (a.price.amount < b.price.amount ? -1 : a.price.amount > b.price.amount ? 1 : a.plan.name.localeCompare(b.plan.name)));
  }

  private async transition(ctx: PortalContext, id: string, event: (now: Date) => LifecycleEvent): Promise<SubscriptionEntity> {
    return this.db.transaction(async () => {
      const subscription = await this.locked(ctx, id);
      return this.lifecycle.applyTransition(ctx.tenant, actorOf(ctx), subscription, event(this.clock.now()));
    });
  }

  // Row lock first, then ownership: a subscription of another customer is simply not found.
  private async locked(ctx: PortalContext, id: string): Promise<SubscriptionEntity> {
    const subscription = await this.subscriptions.getForUpdate(ctx.tenant, id).catch((err: unknown) => {
      if (err instanceof DomainError && err.code === 'livemode_mismatch') throw new NotFoundError('subscription', id);
      throw err;
    });
    if (subscription.customerId !== ctx.customerId) throw new NotFoundError('subscription', id);
    return subscription;
  }

  private available(ctx: PortalContext, merchant: MerchantEntity, s: SubscriptionEntity, now: Date, hasSwitchOptions: boolean): ActionAvailability {
    const state = toLifecycleState(s);
    const can = (action: SubscriptionAction, event: LifecycleEvent) => this.permitted(ctx, merchant, action) && canTransition(state, event);
    return {
      cancel: can('cancel', cancelEvent(merchant, now, null)),
      resume: can('resume', { type: 'unschedule_cancel' }),
      pause: can('pause', pauseProbe(now)),
      unpause: can('unpause', { type: 'resume', now }),
      switch: hasSwitchOptions && can('switch', switchProbe(s, now)),
    };
  }

  // The merchant's switch and the link's scope; the server checks both on every POST, not only the page.
  private permitted(ctx: PortalContext, merchant: MerchantEntity, action: SubscriptionAction): boolean {
    if (!ctx.session.scopes.includes('manage')) return false;
    const s = merchant.portalSettings;
    switch (action) {
      case 'cancel':
      case 'resume':
        return s.cancel;
      case 'pause':
      case 'unpause':
        return s.pause;
      case 'switch':
        return s.switchPlan;
    }
  }

  private requirePermitted(ctx: PortalContext, merchant: MerchantEntity, action: SubscriptionAction): void {
    if (!this.permitted(ctx, merchant, action)) throw new DomainError('forbidden', REFUSED[action]);
  }

  private async merchant(ctx: PortalContext): Promise<MerchantEntity> {
    const merchant = await this.merchants.getById(ctx.tenant.merchantId);
    if (!merchant) throw new NotFoundError('customer');
    return merchant;
  }

  // Layout data as every portal page has it, plus the subscription (scoped to this customer).
  private async page(ctx: PortalContext, id: string, title: string) {
    const [merchant, customer, subscription] = await Promise.all([
      this.merchant(ctx),
      this.customers.findInMerchant(ctx.tenant.merchantId, ctx.customerId),
      this.portal.subscription(ctx.tenant, ctx.customerId, id),
    ]);
    if (!customer) throw new NotFoundError('customer');
    const [plans, prices] = await Promise.all([this.portal.plans(ctx.tenant, [subscription.planId]), this.portal.prices(ctx.tenant, [subscription.priceId])]);
    const p = this.presenter();
    const layout = {
      title,
      brand: p.brand(merchant),
      customer: { name: customer.name, email: customer.email },
      nav: { overview: true },
      signedIn: true,
      csrfToken: ctx.csrfToken,
      returnUrl: ctx.session.returnUrl,
      testMode: !ctx.tenant.livemode,
    };
    return { layout, merchant, subscription, view: p.subscription(subscription, plans.get(subscription.planId), prices.get(subscription.priceId)) };
  }

  private presenter(): PortalPresenter {
    return new PortalPresenter(this.config, this.clock.now());
  }
}

function actorOf(ctx: PortalContext): Actor {
  return { type: 'portal_session', id: ctx.session.idHash.slice(0, 16), initiator: 'customer_portal' };
}

function cancelEvent(merchant: MerchantEntity, now: Date, reason: string | null): LifecycleEvent {
  return merchant.portalSettings.cancelMode === 'immediately' ? { type: 'cancel_now', now, reason } : { type: 'cancel_at_period_end', now, reason };
}

// Probes ask the lifecycle whether the state allows the action at all (dates and plans are
// checked when the customer submits).
function pauseProbe(now: Date): LifecycleEvent {
  return { type: 'pause', now, resumeAt: null, maxPauseDays: null };
}

function switchProbe(s: SubscriptionEntity, now: Date): LifecycleEvent {
  return { type: 'switch_plan', now, newPlanId: `${s.planId}~other`, direction: 'downgrade' };
}

function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}
