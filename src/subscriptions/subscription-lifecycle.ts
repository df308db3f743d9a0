// Pure subscription state machine: no I/O, no clock (time arrives on each event).

export enum SubscriptionStatus {
  Incomplete = 'incomplete',
  IncompleteExpired = 'incomplete_expired',
  Active = 'active',
  PastDue = 'past_due',
  Paused = 'paused',
  Canceled = 'canceled',
  Unpaid = 'unpaid',
}

export interface LifecycleState {
  status: SubscriptionStatus;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  cancelAtPeriodEnd: boolean;
  cancellationReason: string | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  pausedAt: Date | null;
  resumeAt: Date | null; // null while paused = paused indefinitely
  graceUntil: Date | null; // set while past_due
  planId: string;
  pendingPlanId: string | null; // a downgrade scheduled for period end
  pendingUpdate: PendingUpdate | null; // an upgrade waiting for its proration invoice to be paid
}

// An upgrade that charges a proration changes nothing until its invoice is paid. The price is
// carried for the service that applies it; the lifecycle only compares plans and invoices.
export interface PendingUpdate {
  planId: string;
  priceId: string;
  invoiceId: string;
  createdAt: Date;
}

export interface Interval {
  unit: 'day' | 'week' | 'month' | 'year';
  count: number;
}

export type LifecycleEvent =
  | { type: 'first_invoice_paid'; interval: Interval; now: Date }
  | { type: 'first_invoice_expired'; now: Date }
  | { type: 'renewal_paid'; interval: Interval }
  | { type: 'period_ended_unpaid'; now: Date; graceDays: number }
  | { type: 'grace_expired'; now: Date; onGraceExpiry: 'cancel' | 'mark_unpaid' }
  | { type: 'period_ended_with_cancel'; now: Date }
  | { type: 'cancel_at_period_end'; now: Date; reason: string | null }
  | { type: 'unschedule_cancel' }
  | { type: 'cancel_now'; now: Date; reason: string | null }
  | { type: 'pause'; now: Date; resumeAt: Date | null; maxPauseDays: number | null }
  | { type: 'resume'; now: Date }
  | { type: 'switch_plan'; now: Date; newPlanId: string; direction: 'upgrade' | 'downgrade' }
  | { type: 'upgrade_requested'; now: Date; newPlanId: string; newPriceId: string; invoiceId: string }
  // The invoice's proration line says what was bought and for which period.
  | { type: 'upgrade_paid'; invoiceId: string; planId: string; periodEnd: Date }
  | { type: 'upgrade_expired'; invoiceId: string }
  | { type: 'payment_reversed'; now: Date; graceDays: number }
  // The reversed invoice was paid again: back to active for the same period (no extra period).
  | { type: 'payment_restored' };

export type LifecycleEventType = LifecycleEvent['type'];

export type LifecycleChange =
  | 'subscription.activated'
  | 'subscription.renewed'
  | 'subscription.past_due'
  | 'subscription.canceled'
  | 'subscription.unpaid'
  | 'subscription.expired'
  | 'subscription.cancellation_scheduled'
  | 'subscription.cancellation_unscheduled'
  | 'subscription.paused'
  | 'subscription.resumed'
  | 'subscription.updated'
  | 'subscription.pending_update_expired'
  | 'subscription.payment_reversed';

export type IllegalTransitionCode = 'illegal_transition' | 'same_plan' | 'invalid_pause' | 'upgrade_pending' | 'no_pending_upgrade';

export class IllegalTransitionError extends Error {
  readonly code: IllegalTransitionCode;
  readonly from: SubscriptionStatus;
  readonly event: LifecycleEventType;

  constructor(code: IllegalTransitionCode, from: SubscriptionStatus, event: LifecycleEventType, message: string) {
    super(message);
    this.name = 'IllegalTransitionError';
    this.code = code;
    this.from = from;
    this.event = event;
  }
}

const DAY_MS = 86_400_000;
const UNITS: readonly Interval['unit'][] = ['day', 'week', 'month', 'year'];
const S = SubscriptionStatus;

const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysInMonth = (y: number, m: number): number =>
  [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m];

export function addInterval(date: Date, interval: Interval): Date {
  const { unit, count } = interval;
  if (!Number.isInteger(count)) throw new RangeError(`interval count must be an integer, got ${count}`);
  if (!UNITS.includes(unit)) throw new RangeError(`unknown interval unit ${String(unit)}`);
  if (unit === 'day' || unit === 'week') {
    // UTC has no DST, so a day is always exactly 24h.
    return new Date(date.getTime() + count * (unit === 'week' ? 7 : 1) * DAY_MS);
  }
  const months = date.getUTCFullYear() * 12 + date.getUTCMonth() + count * (unit === 'year' ? 12 : 1);
  const year = Math.floor(months / 12);
  const month = months - year * 12;
  const result = new Date(date.getTime());
  // setUTCFullYear (not Date.UTC) so years 0-99 are not remapped to 19xx; clamp Jan 31 -> Feb 28/29.
  result.setUTCFullYear(year, month, Math.min(date.getUTCDate(), daysInMonth(year, month)));
  return result;
}

export function initialState(planId: string, now: Date, interval: Interval): LifecycleState {
  const end = addInterval(now, interval);
  if (!(end.getTime() > now.getTime())) throw new RangeError('initial period must have a positive length');
  return {
    status: S.Incomplete,
    currentPeriodStart: new Date(now.getTime()),
    currentPeriodEnd: end,
    cancelAtPeriodEnd: false,
    cancellationReason: null,
    canceledAt: null,
    endedAt: null,
    pausedAt: null,
    resumeAt: null,
    graceUntil: null,
    planId,
    pendingPlanId: null,
    pendingUpdate: null,
  };
}

const VERBS: Record<LifecycleEventType, string> = {
  first_invoice_paid: 'activate',
  first_invoice_expired: 'expire',
  renewal_paid: 'renew',
  period_ended_unpaid: 'mark past due',
  grace_expired: 'expire the grace period of',
  period_ended_with_cancel: 'end at period end',
  cancel_at_period_end: 'schedule cancellation of',
  unschedule_cancel: 'unschedule cancellation of',
  cancel_now: 'cancel',
  pause: 'pause',
  resume: 'resume',
  switch_plan: 'switch the plan of',
  upgrade_requested: 'request an upgrade of',
  upgrade_paid: 'apply a paid upgrade to',
  upgrade_expired: 'drop the pending upgrade of',
  payment_reversed: 'reverse a payment on',
  payment_restored: 'restore a payment on',
};

const copy = (d: Date | null): Date | null => (d === null ? null : new Date(d.getTime()));
const isValidDate = (d: unknown): d is Date => d instanceof Date && !Number.isNaN(d.getTime());

// Dates are mutable, so the output never shares Date instances with the input.
const cloneState = (s: LifecycleState): LifecycleState => ({
  ...s,
  currentPeriodStart: new Date(s.currentPeriodStart.getTime()),
  currentPeriodEnd: new Date(s.currentPeriodEnd.getTime()),
  canceledAt: copy(s.canceledAt),
  endedAt: copy(s.endedAt),
  pausedAt: copy(s.pausedAt),
  resumeAt: copy(s.resumeAt),
  graceUntil: copy(s.graceUntil),
  pendingUpdate: s.pendingUpdate === null ? null : { ...s.pendingUpdate, createdAt: new Date(s.pendingUpdate.createdAt.getTime()) },
});

// Where a pending upgrade can live: never before activation, never after the end.
const LIVE: readonly SubscriptionStatus[] = [SubscriptionStatus.Active, SubscriptionStatus.PastDue, SubscriptionStatus.Paused, SubscriptionStatus.Unpaid];

export function transition(
  state: LifecycleState,
  event: LifecycleEvent,
): { state: LifecycleState; change: LifecycleChange } {
  const fail = (detail?: string, code: IllegalTransitionCode = 'illegal_transition'): never => {
    const verb = VERBS[event.type] ?? `apply '${String(event.type)}' to`;
    const subject = detail ? `a subscription: ${detail}` : `a subscription that is ${state.status}`;
    throw new IllegalTransitionError(code, state.status, event.type, `cannot ${verb} ${subject}`);
  };
  const requireStatus = (...allowed: SubscriptionStatus[]): void => {
    if (!allowed.includes(state.status)) fail();
  };
  // Bad input must surface as IllegalTransitionError, never as a NaN date deep in the state.
  if ('now' in event && !isValidDate(event.now)) fail('now is not a valid date');
  const periodAfter = (start: Date, interval: Interval): Date => {
    if (!UNITS.includes(interval?.unit) || !Number.isInteger(interval.count) || interval.count < 1) {
      fail('interval must be a known unit with a positive integer count');
    }
    const end = addInterval(start, interval);
    if (!isValidDate(end)) fail('period end is out of range');
    return end;
  };
  const graceDate = (from: Date, graceDays: number): Date => {
    if (!Number.isFinite(graceDays) || graceDays < 0) fail('graceDays must be a non-negative number');
    const until = new Date(from.getTime() + graceDays * DAY_MS);
    if (!isValidDate(until)) fail('grace period end is out of range');
    return until;
  };

  const next = cloneState(state);
  switch (event.type) {
    // -> subscription.activated: first payment confirmed, the real billing period starts now.
    case 'first_invoice_paid':
      requireStatus(S.Incomplete);
      next.currentPeriodStart = new Date(event.now.getTime());
      next.currentPeriodEnd = periodAfter(event.now, event.interval);
      next.status = S.Active;
      return { state: next, change: 'subscription.activated' };

    // -> subscription.expired: never activated, so there is nothing to "cancel".
    case 'first_invoice_expired':
      requireStatus(S.Incomplete);
      next.status = S.IncompleteExpired;
      next.endedAt = new Date(event.now.getTime());
      return { state: next, change: 'subscription.expired' };

    // -> subscription.renewed: the invoice for [oldEnd, oldEnd+interval) is paid, even if paid late.
    case 'renewal_paid':
      requireStatus(S.Active, S.PastDue, S.Unpaid);
      // A subscription set to cancel at period end must not be extended by a renewal.
      if (state.cancelAtPeriodEnd) fail('cancellation is scheduled at period end');
      next.currentPeriodStart = new Date(state.currentPeriodEnd.getTime());
      next.currentPeriodEnd = periodAfter(state.currentPeriodEnd, event.interval);
      next.status = S.Active;
      next.graceUntil = null;
      if (state.pendingPlanId !== null) {
        next.planId = state.pendingPlanId;
        next.pendingPlanId = null;
      }
      return { state: next, change: 'subscription.renewed' };

    // -> subscription.past_due: renewal invoice unpaid at period end; grace starts from the period end.
    case 'period_ended_unpaid':
      requireStatus(S.Active);
      if (state.cancelAtPeriodEnd) fail('cancellation is scheduled, use period_ended_with_cancel');
      if (event.now < state.currentPeriodEnd) fail('the current period has not ended yet');
      next.status = S.PastDue;
      next.graceUntil = graceDate(state.currentPeriodEnd, event.graceDays);
      return { state: next, change: 'subscription.past_due' };

    // -> subscription.canceled | subscription.unpaid, per merchant setting.
    case 'grace_expired': {
      requireStatus(S.PastDue);
      if (state.graceUntil === null || event.now < state.graceUntil) fail('the grace period has not expired yet');
      next.graceUntil = null;
      // A customer who already asked to cancel is canceled, not chased as unpaid.
      if (event.onGraceExpiry === 'cancel' || state.cancelAtPeriodEnd) {
        Object.assign(next, endAs(event.now, event.now));
        return { state: next, change: 'subscription.canceled' };
      }
      next.status = S.Unpaid;
      return { state: next, change: 'subscription.unpaid' };
    }

    // -> subscription.canceled: service ran until the period end the customer already had.
    case 'period_ended_with_cancel':
      requireStatus(S.Active, S.PastDue);
      if (!state.cancelAtPeriodEnd) fail('no cancellation is scheduled');
      if (event.now < state.currentPeriodEnd) fail('the current period has not ended yet');
      Object.assign(next, endAs(event.now, state.currentPeriodEnd));
      return { state: next, change: 'subscription.canceled' };

    // -> subscription.cancellation_scheduled
    case 'cancel_at_period_end':
      requireStatus(S.Active, S.PastDue, S.Paused);
      if (state.cancelAtPeriodEnd) fail('cancellation is already scheduled');
      next.cancelAtPeriodEnd = true;
      next.cancellationReason = event.reason;
      return { state: next, change: 'subscription.cancellation_scheduled' };

    // -> subscription.cancellation_unscheduled
    case 'unschedule_cancel':
      requireStatus(S.Active, S.PastDue, S.Paused);
      if (!state.cancelAtPeriodEnd) fail('no cancellation is scheduled');
      next.cancelAtPeriodEnd = false;
      next.cancellationReason = null;
      return { state: next, change: 'subscription.cancellation_unscheduled' };

    // -> subscription.canceled: immediate; an explicit reason wins over a previously scheduled one.
    case 'cancel_now':
      requireStatus(S.Incomplete, S.Active, S.PastDue, S.Paused, S.Unpaid);
      Object.assign(next, endAs(event.now, event.now));
      next.cancellationReason = event.reason ?? state.cancellationReason;
      return { state: next, change: 'subscription.canceled' };

    // -> subscription.paused
    case 'pause': {
      requireStatus(S.Active);
      const { now, resumeAt, maxPauseDays } = event;
      if (resumeAt !== null && !(isValidDate(resumeAt) && resumeAt > now)) {
        fail('resumeAt must be a valid date after now', 'invalid_pause');
      }
      if (maxPauseDays !== null) {
        if (resumeAt === null) fail(`an indefinite pause exceeds the ${maxPauseDays}-day limit`, 'invalid_pause');
        else if (!(resumeAt.getTime() - now.getTime() <= maxPauseDays * DAY_MS)) {
          fail(`the pause exceeds the ${maxPauseDays}-day limit`, 'invalid_pause');
        }
      }
      next.status = S.Paused;
      next.pausedAt = new Date(now.getTime());
      next.resumeAt = copy(resumeAt);
      return { state: next, change: 'subscription.paused' };
    }

    // -> subscription.resumed: paused time is not billed, so the whole period slides forward.
    case 'resume': {
      requireStatus(S.Paused);
      const pausedAt = state.pausedAt as Date; // paused ⇔ pausedAt != null
      const shift = event.now.getTime() - pausedAt.getTime();
      if (shift < 0) fail('now is before the pause started');
      next.currentPeriodStart = new Date(state.currentPeriodStart.getTime() + shift);
      next.currentPeriodEnd = new Date(state.currentPeriodEnd.getTime() + shift);
      if (!isValidDate(next.currentPeriodEnd)) fail('period end is out of range');
      next.status = S.Active;
      next.pausedAt = null;
      next.resumeAt = null;
      return { state: next, change: 'subscription.resumed' };
    }

    // -> subscription.updated: an upgrade with nothing to charge applies now, downgrades wait for renewal.
    case 'switch_plan':
      requireStatus(S.Active);
      if (event.newPlanId === state.planId) fail(`already on plan ${state.planId}`, 'same_plan');
      if (state.pendingUpdate) fail(pendingMessage(state.pendingUpdate), 'upgrade_pending');
      if (event.direction === 'upgrade') {
        next.planId = event.newPlanId;
        next.pendingPlanId = null;
      } else {
        next.pendingPlanId = event.newPlanId;
      }
      return { state: next, change: 'subscription.updated' };

    // -> subscription.updated: the plan stays; the upgrade waits for its proration invoice. One at a
    // time, so a payment in flight for the first can never be mistaken for the second.
    case 'upgrade_requested':
      requireStatus(S.Active);
      if (event.newPlanId === state.planId) fail(`already on plan ${state.planId}`, 'same_plan');
      if (state.pendingUpdate) fail(pendingMessage(state.pendingUpdate), 'upgrade_pending');
      if (event.newPlanId === state.pendingPlanId) fail(`plan ${event.newPlanId} is already scheduled for renewal`, 'same_plan');
      if (!event.invoiceId || !event.newPriceId) fail('an upgrade needs its invoice and price');
      next.pendingUpdate = { planId: event.newPlanId, priceId: event.newPriceId, invoiceId: event.invoiceId, createdAt: new Date(event.now.getTime()) };
      return { state: next, change: 'subscription.updated' };

    // -> subscription.updated: the proration is paid, so the plan changes and replaces any scheduled
    // downgrade. A late payment of an upgrade already dropped still buys it, but only for the period
    // it was priced for and only while no other upgrade waits.
    case 'upgrade_paid': {
      requireStatus(...LIVE);
      const pending = state.pendingUpdate;
      if (pending !== null && pending.invoiceId === event.invoiceId) {
        if (pending.planId !== event.planId) fail(`invoice ${event.invoiceId} paid for plan ${event.planId}, not the pending ${pending.planId}`, 'no_pending_upgrade');
      } else {
        if (pending !== null) fail(`the pending upgrade waits for invoice ${pending.invoiceId}, not ${event.invoiceId}`, 'no_pending_upgrade');
        if (!isValidDate(event.periodEnd) || event.periodEnd.getTime() !== state.currentPeriodEnd.getTime()) fail(`invoice ${event.invoiceId} priced another period`, 'no_pending_upgrade');
        if (event.planId === state.planId) fail(`already on plan ${state.planId}`, 'same_plan');
      }
      next.planId = event.planId;
      next.pendingPlanId = null;
      next.pendingUpdate = null;
      return { state: next, change: 'subscription.updated' };
    }

    // -> subscription.pending_update_expired: the proration invoice ran out (or was voided) unpaid.
    case 'upgrade_expired':
      requireStatus(...LIVE);
      if (state.pendingUpdate === null || state.pendingUpdate.invoiceId !== event.invoiceId) fail(`no pending upgrade waits for invoice ${event.invoiceId}`, 'no_pending_upgrade');
      next.pendingUpdate = null;
      return { state: next, change: 'subscription.pending_update_expired' };

    // -> subscription.past_due: a reorg undid a confirmed payment; never lose it silently, give grace from now.
    case 'payment_reversed':
      requireStatus(S.Active);
      next.status = S.PastDue;
      next.graceUntil = graceDate(event.now, event.graceDays);
      return { state: next, change: 'subscription.past_due' };

    case 'payment_restored':
      requireStatus(S.PastDue);
      next.status = S.Active;
      next.graceUntil = null;
      return { state: next, change: 'subscription.activated' };

    default: {
      const unknown: never = event;
      return fail(`unknown event ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}

// Fields for any transition into `canceled`; clears everything that only makes sense while live.
function endAs(canceledAt: Date, endedAt: Date): Partial<LifecycleState> {
  return {
    status: S.Canceled,
    canceledAt: new Date(canceledAt.getTime()),
    endedAt: new Date(endedAt.getTime()),
    cancelAtPeriodEnd: false,
    pausedAt: null,
    resumeAt: null,
    graceUntil: null,
    pendingPlanId: null,
    // Its invoice is voided with the subscription, as Stripe discards a pending update on cancel.
    pendingUpdate: null,
  };
}

function pendingMessage(p: PendingUpdate): string {
  return `an upgrade to plan ${p.planId} is waiting for invoice ${p.invoiceId} to be paid`;
}

export function canTransition(state: LifecycleState, event: LifecycleEvent): boolean {
  try {
    transition(state, event);
    return true;
  } catch (err) {
    if (err instanceof IllegalTransitionError) return false;
    throw err;
  }
}
