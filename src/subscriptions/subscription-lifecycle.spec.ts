import fc from 'fast-check';
import {
  IllegalTransitionError,
  Interval,
  LifecycleChange,
  LifecycleEvent,
  LifecycleState,
  SubscriptionStatus,
  addInterval,
  canTransition,
  initialState,
  transition,
} from './subscription-lifecycle';

const S = SubscriptionStatus;
const DAY = 86_400_000;
const MONTH: Interval = { unit: 'month', count: 1 };
const T0 = new Date('2024-01-15T10:00:00.000Z');
const utc = (iso: string): Date => new Date(iso);
const plusDays = (d: Date, days: number): Date => new Date(d.getTime() + days * DAY);

// Fixtures are built through real transitions so they can never drift into impossible states.
const apply = (state: LifecycleState, ...events: LifecycleEvent[]): LifecycleState =>
  events.reduce((s, e) => transition(s, e).state, state);
const incomplete = (): LifecycleState => initialState('basic', T0, MONTH);
const active = (): LifecycleState => apply(incomplete(), { type: 'first_invoice_paid', interval: MONTH, now: T0 });
// Active period is [2024-01-15, 2024-02-15).
const PERIOD_END = utc('2024-02-15T10:00:00.000Z');
const pastDue = (graceDays = 7): LifecycleState =>
  apply(active(), { type: 'period_ended_unpaid', now: PERIOD_END, graceDays });
const unpaid = (): LifecycleState =>
  apply(pastDue(), { type: 'grace_expired', now: plusDays(PERIOD_END, 7), onGraceExpiry: 'mark_unpaid' });
const paused = (resumeAt: Date | null = null): LifecycleState =>
  apply(active(), { type: 'pause', now: plusDays(T0, 5), resumeAt, maxPauseDays: null });
const canceled = (): LifecycleState => apply(active(), { type: 'cancel_now', now: plusDays(T0, 1), reason: 'too expensive' });
const expired = (): LifecycleState => apply(incomplete(), { type: 'first_invoice_expired', now: plusDays(T0, 1) });

function expectIllegal(
  state: LifecycleState,
  event: LifecycleEvent,
  code: IllegalTransitionError['code'] = 'illegal_transition',
  message?: string | RegExp,
): IllegalTransitionError {
  let caught: unknown;
  try {
    transition(state, event);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(IllegalTransitionError);
  const err = caught as IllegalTransitionError;
  expect(err).toMatchObject({ code, from: state.status, event: event.type, name: 'IllegalTransitionError' });
  if (message !== undefined) expect(err.message).toMatch(message);
  expect(canTransition(state, event)).toBe(false);
  return err;
}

function expectInvariants(s: LifecycleState): void {
  expect(s.currentPeriodEnd.getTime()).toBeGreaterThan(s.currentPeriodStart.getTime());
  expect(s.status === S.Paused).toBe(s.pausedAt !== null);
  expect(s.status === S.PastDue).toBe(s.graceUntil !== null);
  expect(s.status === S.Canceled).toBe(s.canceledAt !== null && s.endedAt !== null);
  if (s.cancelAtPeriodEnd) expect([S.Active, S.PastDue, S.Paused]).toContain(s.status);
  expect(s.pendingPlanId).not.toBe(s.planId);
  if (s.status !== S.Paused) expect(s.resumeAt).toBeNull();
  if (s.pendingUpdate !== null) {
    expect([S.Active, S.PastDue, S.Paused, S.Unpaid]).toContain(s.status);
    expect(s.pendingUpdate.planId).not.toBe(s.planId);
    expect(s.pendingUpdate.planId).not.toBe(s.pendingPlanId);
  }
}

describe('addInterval', () => {
  it('adds days and weeks as exact 24h multiples in UTC', () => {
    expect(addInterval(utc('2024-03-09T12:00:00Z'), { unit: 'day', count: 2 })).toEqual(utc('2024-03-11T12:00:00Z'));
    expect(addInterval(utc('2024-10-26T23:30:00Z'), { unit: 'week', count: 1 })).toEqual(utc('2024-11-02T23:30:00Z'));
  });

  it('clamps month-end dates to the last day of a shorter month', () => {
    expect(addInterval(utc('2023-01-31T08:00:00Z'), MONTH)).toEqual(utc('2023-02-28T08:00:00Z'));
    expect(addInterval(utc('2024-01-31T08:00:00Z'), MONTH)).toEqual(utc('2024-02-29T08:00:00Z'));
    expect(addInterval(utc('2024-03-31T00:00:00Z'), MONTH)).toEqual(utc('2024-04-30T00:00:00Z'));
  });

  it('clamps from the original day, not from an intermediate month', () => {
    expect(addInterval(utc('2024-01-31T00:00:00Z'), { unit: 'month', count: 2 })).toEqual(utc('2024-03-31T00:00:00Z'));
  });

  it('rolls over the year and supports negative counts', () => {
    expect(addInterval(utc('2024-11-30T05:00:00Z'), { unit: 'month', count: 3 })).toEqual(utc('2025-02-28T05:00:00Z'));
    expect(addInterval(utc('2024-03-31T05:00:00Z'), { unit: 'month', count: -1 })).toEqual(utc('2024-02-29T05:00:00Z'));
  });

  it('handles leap years for yearly intervals (Feb 29 -> Feb 28, Gregorian century rules)', () => {
    expect(addInterval(utc('2024-02-29T10:00:00Z'), { unit: 'year', count: 1 })).toEqual(utc('2025-02-28T10:00:00Z'));
    expect(addInterval(utc('2024-02-29T10:00:00Z'), { unit: 'year', count: 4 })).toEqual(utc('2028-02-29T10:00:00Z'));
    expect(addInterval(utc('2096-02-29T00:00:00Z'), { unit: 'year', count: 4 })).toEqual(utc('2100-02-28T00:00:00Z'));
    expect(addInterval(utc('1996-02-29T00:00:00Z'), { unit: 'year', count: 4 })).toEqual(utc('2000-02-29T00:00:00Z'));
  });

  it('does not remap two-digit years the way Date.UTC does', () => {
    const d = new Date(0);
    d.setUTCFullYear(50, 0, 31);
    const r = addInterval(d, MONTH);
    expect([r.getUTCFullYear(), r.getUTCMonth(), r.getUTCDate()]).toEqual([50, 1, 28]);
  });

  it('does not mutate its argument and rejects non-integer counts', () => {
    const d = utc('2024-01-31T00:00:00Z');
    addInterval(d, MONTH);
    expect(d).toEqual(utc('2024-01-31T00:00:00Z'));
    expect(() => addInterval(d, { unit: 'month', count: 1.5 })).toThrow(RangeError);
  });

  it('matches day-by-day arithmetic for day units (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: utc('1970-01-01'), max: utc('2200-01-01'), noInvalidDate: true }), fc.integer({ min: -400, max: 400 }), (d, n) => {
        expect(addInterval(d, { unit: 'day', count: n }).getTime() - d.getTime()).toBe(n * DAY);
      }),
    );
  });

  it('always lands in the expected month with the time of day preserved (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: utc('1900-01-01'), max: utc('2200-01-01'), noInvalidDate: true }), fc.integer({ min: -60, max: 60 }), (d, n) => {
        const r = addInterval(d, { unit: 'month', count: n });
        const months = d.getUTCFullYear() * 12 + d.getUTCMonth() + n;
        expect(r.getUTCFullYear() * 12 + r.getUTCMonth()).toBe(months);
        expect(r.getUTCDate()).toBeLessThanOrEqual(d.getUTCDate());
        expect([r.getUTCHours(), r.getUTCMinutes(), r.getUTCMilliseconds()]).toEqual([d.getUTCHours(), d.getUTCMinutes(), d.getUTCMilliseconds()]);
      }),
    );
  });
});

describe('initialState', () => {
  it('creates an incomplete subscription with a tentative period and nothing else set', () => {
    expect(initialState('basic', T0, MONTH)).toEqual({
      status: S.Incomplete,
      currentPeriodStart: T0,
      currentPeriodEnd: PERIOD_END,
      cancelAtPeriodEnd: false,
      cancellationReason: null,
      canceledAt: null,
      endedAt: null,
      pausedAt: null,
      resumeAt: null,
      graceUntil: null,
      planId: 'basic',
      pendingPlanId: null,
      pendingUpdate: null,
    });
  });

  it('rejects an interval that would give an empty period', () => {
    expect(() => initialState('basic', T0, { unit: 'day', count: 0 })).toThrow(RangeError);
  });
});

describe('transition', () => {
  describe('first_invoice_paid', () => {
    it('activates an incomplete subscription with the period starting at payment time', () => {
      const now = plusDays(T0, 2);
      const { state, change } = transition(incomplete(), { type: 'first_invoice_paid', interval: { unit: 'week', count: 2 }, now });
      expect(change).toBe('subscription.activated');
      expect(state.status).toBe(S.Active);
      expect(state.currentPeriodStart).toEqual(now);
      expect(state.currentPeriodEnd).toEqual(plusDays(now, 14));
    });

    it('cannot activate an already active subscription', () => {
      expectIllegal(active(), { type: 'first_invoice_paid', interval: MONTH, now: T0 }, 'illegal_transition', 'cannot activate a subscription that is active');
    });
  });

  describe('first_invoice_expired', () => {
    it('moves incomplete to the terminal incomplete_expired with endedAt = now', () => {
      const now = plusDays(T0, 1);
      const { state, change } = transition(incomplete(), { type: 'first_invoice_expired', now });
      expect(change).toBe('subscription.expired');
      expect(state).toMatchObject({ status: S.IncompleteExpired, endedAt: now, canceledAt: null });
    });
  });

  describe('renewal_paid', () => {
    it('renews an active subscription into the next contiguous period', () => {
      const { state, change } = transition(active(), { type: 'renewal_paid', interval: MONTH });
      expect(change).toBe('subscription.renewed');
      expect(state.status).toBe(S.Active);
      expect(state.currentPeriodStart).toEqual(PERIOD_END);
      expect(state.currentPeriodEnd).toEqual(utc('2024-03-15T10:00:00.000Z'));
    });

    it('recovers a past_due subscription, paying the unpaid period and clearing grace', () => {
      const { state } = transition(pastDue(), { type: 'renewal_paid', interval: MONTH });
      expect(state).toMatchObject({ status: S.Active, graceUntil: null, currentPeriodStart: PERIOD_END });
      expect(state.currentPeriodEnd).toEqual(utc('2024-03-15T10:00:00.000Z'));
    });

    it('recovers an unpaid subscription back to active', () => {
      const { state, change } = transition(unpaid(), { type: 'renewal_paid', interval: MONTH });
      expect(change).toBe('subscription.renewed');
      expect(state).toMatchObject({ status: S.Active, currentPeriodStart: PERIOD_END });
    });

    it('applies a pending downgrade at renewal', () => {
      const s = apply(active(), { type: 'switch_plan', now: T0, newPlanId: 'mini', direction: 'downgrade' });
      const { state } = transition(s, { type: 'renewal_paid', interval: MONTH });
      expect(state.planId).toBe('mini');
      expect(state.pendingPlanId).toBeNull();
    });

    it('refuses to extend a subscription scheduled to cancel at period end', () => {
      const s = apply(active(), { type: 'cancel_at_period_end', now: T0, reason: null });
      expectIllegal(s, { type: 'renewal_paid', interval: MONTH }, 'illegal_transition', /cancellation is scheduled/);
    });

    it('rejects a non-positive interval instead of producing an empty period', () => {
      expectIllegal(active(), { type: 'renewal_paid', interval: { unit: 'month', count: 0 } }, 'illegal_transition', /interval/);
    });
  });

  describe('period_ended_unpaid', () => {
    it('moves active to past_due with grace counted from the period end', () => {
      const { state, change } = transition(active(), { type: 'period_ended_unpaid', now: plusDays(PERIOD_END, 1), graceDays: 3 });
      expect(change).toBe('subscription.past_due');
      expect(state.status).toBe(S.PastDue);
      expect(state.graceUntil).toEqual(plusDays(PERIOD_END, 3));
    });

    it('is illegal before the period has ended', () => {
      expectIllegal(active(), { type: 'period_ended_unpaid', now: new Date(PERIOD_END.getTime() - 1), graceDays: 3 }, 'illegal_transition', /has not ended/);
    });

    it('is illegal when cancellation is scheduled', () => {
      const s = apply(active(), { type: 'cancel_at_period_end', now: T0, reason: null });
      expectIllegal(s, { type: 'period_ended_unpaid', now: PERIOD_END, graceDays: 3 });
    });
  });

  describe('grace_expired', () => {
    it('cancels a past_due subscription when the merchant chose cancel', () => {
      const now = plusDays(PERIOD_END, 8);
      const { state, change } = transition(pastDue(), { type: 'grace_expired', now, onGraceExpiry: 'cancel' });
      expect(change).toBe('subscription.canceled');
      expect(state).toMatchObject({ status: S.Canceled, canceledAt: now, endedAt: now, graceUntil: null });
    });

    it('marks a past_due subscription unpaid when the merchant chose mark_unpaid', () => {
      const { state, change } = transition(pastDue(), { type: 'grace_expired', now: plusDays(PERIOD_END, 7), onGraceExpiry: 'mark_unpaid' });
      expect(change).toBe('subscription.unpaid');
      expect(state).toMatchObject({ status: S.Unpaid, graceUntil: null, canceledAt: null });
    });

    it('cancels rather than marking unpaid when the customer had already scheduled cancellation', () => {
      const s = apply(pastDue(), { type: 'cancel_at_period_end', now: PERIOD_END, reason: 'leaving' });
      const { state } = transition(s, { type: 'grace_expired', now: plusDays(PERIOD_END, 7), onGraceExpiry: 'mark_unpaid' });
      expect(state).toMatchObject({ status: S.Canceled, cancelAtPeriodEnd: false, cancellationReason: 'leaving' });
    });

    it('is illegal before graceUntil', () => {
      const now = new Date(plusDays(PERIOD_END, 7).getTime() - 1);
      expectIllegal(pastDue(), { type: 'grace_expired', now, onGraceExpiry: 'cancel' }, 'illegal_transition', /grace period has not expired/);
    });
  });

  describe('period_ended_with_cancel', () => {
    it('cancels an active subscription at its period end, recording when it was processed', () => {
      const s = apply(active(), { type: 'cancel_at_period_end', now: T0, reason: 'moving' });
      const now = plusDays(PERIOD_END, 1);
      const { state, change } = transition(s, { type: 'period_ended_with_cancel', now });
      expect(change).toBe('subscription.canceled');
      expect(state).toMatchObject({ status: S.Canceled, endedAt: PERIOD_END, canceledAt: now, cancelAtPeriodEnd: false, cancellationReason: 'moving' });
    });

    it('cancels a past_due subscription that has a scheduled cancellation', () => {
      const s = apply(pastDue(), { type: 'cancel_at_period_end', now: PERIOD_END, reason: null });
      const { state } = transition(s, { type: 'period_ended_with_cancel', now: plusDays(PERIOD_END, 1) });
      expect(state).toMatchObject({ status: S.Canceled, graceUntil: null, endedAt: PERIOD_END });
    });

    it('is illegal without a scheduled cancellation or before period end', () => {
      expectIllegal(active(), { type: 'period_ended_with_cancel', now: PERIOD_END }, 'illegal_transition', /no cancellation is scheduled/);
      const s = apply(active(), { type: 'cancel_at_period_end', now: T0, reason: null });
      expectIllegal(s, { type: 'period_ended_with_cancel', now: plusDays(T0, 3) }, 'illegal_transition', /has not ended/);
    });
  });

  describe('cancel_at_period_end / unschedule_cancel', () => {
    it.each([
      ['active', active],
      ['past_due', () => pastDue()],
      ['paused', () => paused()],
    ])('schedules cancellation on a %s subscription without changing its status', (_name, make) => {
      const before = make();
      const { state, change } = transition(before, { type: 'cancel_at_period_end', now: T0, reason: 'budget' });
      expect(change).toBe('subscription.cancellation_scheduled');
      expect(state).toMatchObject({ status: before.status, cancelAtPeriodEnd: true, cancellationReason: 'budget' });
    });

    it('cannot schedule cancellation twice', () => {
      const s = apply(active(), { type: 'cancel_at_period_end', now: T0, reason: null });
      expectIllegal(s, { type: 'cancel_at_period_end', now: T0, reason: null }, 'illegal_transition', /already scheduled/);
    });

    it('undoes a scheduled cancellation and clears the reason', () => {
      const s = apply(paused(), { type: 'cancel_at_period_end', now: T0, reason: 'budget' });
      const { state, change } = transition(s, { type: 'unschedule_cancel' });
      expect(change).toBe('subscription.cancellation_unscheduled');
      expect(state).toMatchObject({ status: S.Paused, cancelAtPeriodEnd: false, cancellationReason: null });
    });

    it('cannot unschedule when nothing is scheduled', () => {
      expectIllegal(active(), { type: 'unschedule_cancel' }, 'illegal_transition', /no cancellation is scheduled/);
    });
  });

  describe('cancel_now', () => {
    it.each([
      ['incomplete', incomplete],
      ['active', active],
      ['past_due', () => pastDue()],
      ['paused', () => paused()],
      ['unpaid', unpaid],
    ])('cancels a %s subscription immediately', (_name, make) => {
      const now = utc('2024-03-01T00:00:00Z');
      const { state, change } = transition(make(), { type: 'cancel_now', now, reason: 'fraud' });
      expect(change).toBe('subscription.canceled');
      expect(state).toMatchObject({ status: S.Canceled, canceledAt: now, endedAt: now, cancellationReason: 'fraud' });
      expectInvariants(state);
    });

    it('keeps the previously scheduled reason when none is given', () => {
      const s = apply(active(), { type: 'cancel_at_period_end', now: T0, reason: 'budget' });
      expect(transition(s, { type: 'cancel_now', now: T0, reason: null }).state.cancellationReason).toBe('budget');
    });

    it('cannot cancel twice', () => {
      expectIllegal(canceled(), { type: 'cancel_now', now: T0, reason: null }, 'illegal_transition', 'cannot cancel a subscription that is canceled');
    });
  });

  describe('pause / resume', () => {
    it('pauses an active subscription with an optional resume date', () => {
      const now = plusDays(T0, 5);
      const resumeAt = plusDays(T0, 20);
      const { state, change } = transition(active(), { type: 'pause', now, resumeAt, maxPauseDays: 30 });
      expect(change).toBe('subscription.paused');
      expect(state).toMatchObject({ status: S.Paused, pausedAt: now, resumeAt });
    });

    it('allows an indefinite pause when there is no limit', () => {
      expect(transition(active(), { type: 'pause', now: T0, resumeAt: null, maxPauseDays: null }).state.resumeAt).toBeNull();
    });

    it('accepts a pause of exactly maxPauseDays', () => {
      expect(canTransition(active(), { type: 'pause', now: T0, resumeAt: plusDays(T0, 30), maxPauseDays: 30 })).toBe(true);
    });

    it('rejects invalid pause windows with invalid_pause', () => {
      expectIllegal(active(), { type: 'pause', now: T0, resumeAt: T0, maxPauseDays: null }, 'invalid_pause', /resumeAt/);
      expectIllegal(active(), { type: 'pause', now: T0, resumeAt: null, maxPauseDays: 30 }, 'invalid_pause', /indefinite/);
      expectIllegal(active(), { type: 'pause', now: T0, resumeAt: new Date(plusDays(T0, 30).getTime() + 1), maxPauseDays: 30 }, 'invalid_pause', /30-day limit/);
    });

    it('cannot pause a canceled subscription', () => {
      expectIllegal(canceled(), { type: 'pause', now: T0, resumeAt: null, maxPauseDays: null }, 'illegal_transition', 'cannot pause a subscription that is canceled');
    });

    it('resumes and shifts the whole period forward by the paused duration', () => {
      const s = paused(); // paused at T0 + 5 days
      const now = new Date(plusDays(T0, 15).getTime() + 1234);
      const { state, change } = transition(s, { type: 'resume', now });
      const shift = 10 * DAY + 1234;
      expect(change).toBe('subscription.resumed');
      expect(state).toMatchObject({ status: S.Active, pausedAt: null, resumeAt: null });
      expect(state.currentPeriodStart.getTime()).toBe(T0.getTime() + shift);
      expect(state.currentPeriodEnd.getTime()).toBe(PERIOD_END.getTime() + shift);
    });

    it('resuming immediately leaves the period unchanged', () => {
      const s = paused();
      const { state } = transition(s, { type: 'resume', now: s.pausedAt as Date });
      expect(state.currentPeriodStart).toEqual(T0);
      expect(state.currentPeriodEnd).toEqual(PERIOD_END);
    });

    it('cannot resume a subscription that is not paused, or before it was paused', () => {
      expectIllegal(active(), { type: 'resume', now: T0 }, 'illegal_transition', 'cannot resume a subscription that is active');
      expectIllegal(paused(), { type: 'resume', now: T0 }, 'illegal_transition', /before the pause started/);
    });
  });

  describe('switch_plan', () => {
    it('applies an upgrade immediately and drops any pending downgrade', () => {
      const s = apply(active(), { type: 'switch_plan', now: T0, newPlanId: 'mini', direction: 'downgrade' });
      const { state, change } = transition(s, { type: 'switch_plan', now: T0, newPlanId: 'pro', direction: 'upgrade' });
      expect(change).toBe('subscription.updated');
      expect(state).toMatchObject({ planId: 'pro', pendingPlanId: null });
    });

    it('schedules a downgrade for renewal without changing the current plan', () => {
      const { state, change } = transition(active(), { type: 'switch_plan', now: T0, newPlanId: 'mini', direction: 'downgrade' });
      expect(change).toBe('subscription.updated');
      expect(state).toMatchObject({ planId: 'basic', pendingPlanId: 'mini' });
    });

    it('rejects switching to the current plan with same_plan', () => {
      expectIllegal(active(), { type: 'switch_plan', now: T0, newPlanId: 'basic', direction: 'upgrade' }, 'same_plan', /already on plan basic/);
    });

    it('is illegal outside active', () => {
      expectIllegal(pastDue(), { type: 'switch_plan', now: T0, newPlanId: 'pro', direction: 'upgrade' });
    });
  });

  describe('upgrades that pay first', () => {
    const request = (s: LifecycleState, invoiceId = 'inv_1', newPlanId = 'pro'): LifecycleState =>
      apply(s, { type: 'upgrade_requested', now: plusDays(T0, 3), newPlanId, newPriceId: `price_${newPlanId}`, invoiceId });
    const paid = (invoiceId = 'inv_1', planId = 'pro', periodEnd = PERIOD_END): LifecycleEvent => ({ type: 'upgrade_paid', invoiceId, planId, periodEnd });

    it('records the upgrade as pending and keeps the current plan', () => {
      const { state, change } = transition(active(), { type: 'upgrade_requested', now: plusDays(T0, 3), newPlanId: 'pro', newPriceId: 'price_pro', invoiceId: 'inv_1' });
      expect(change).toBe('subscription.updated');
      expect(state).toMatchObject({ planId: 'basic', pendingPlanId: null, pendingUpdate: { planId: 'pro', priceId: 'price_pro', invoiceId: 'inv_1', createdAt: plusDays(T0, 3) } });
    });

    it('applies the plan when that invoice is paid and clears the pending change', () => {
      const { state, change } = transition(request(active()), paid());
      expect(change).toBe('subscription.updated');
      expect(state).toMatchObject({ planId: 'pro', pendingUpdate: null, status: S.Active, currentPeriodEnd: PERIOD_END });
    });

    it('replaces a scheduled downgrade only once the upgrade is paid', () => {
      const downgraded = apply(active(), { type: 'switch_plan', now: T0, newPlanId: 'mini', direction: 'downgrade' });
      const pending = request(downgraded);
      expect(pending).toMatchObject({ planId: 'basic', pendingPlanId: 'mini' });
      expect(transition(pending, paid()).state).toMatchObject({ planId: 'pro', pendingPlanId: null });
      expect(transition(pending, { type: 'upgrade_expired', invoiceId: 'inv_1' }).state).toMatchObject({ planId: 'basic', pendingPlanId: 'mini', pendingUpdate: null });
    });

    it('drops the pending change when its invoice expires, leaving the plan as it was', () => {
      const { state, change } = transition(request(active()), { type: 'upgrade_expired', invoiceId: 'inv_1' });
      expect(change).toBe('subscription.pending_update_expired');
      expect(state).toMatchObject({ planId: 'basic', pendingUpdate: null });
    });

    it('ignores another invoice: paying or expiring it changes nothing', () => {
      const pending = request(active());
      expectIllegal(pending, paid('inv_other'), 'no_pending_upgrade', /waits for invoice inv_1/);
      expectIllegal(pending, { type: 'upgrade_expired', invoiceId: 'inv_other' }, 'no_pending_upgrade');
      expectIllegal(active(), { type: 'upgrade_expired', invoiceId: 'inv_1' }, 'no_pending_upgrade');
    });

    it('refuses a paid invoice that names another plan than the pending one', () => {
      expectIllegal(request(active()), paid('inv_1', 'mini'), 'no_pending_upgrade', /not the pending pro/);
    });

    it('is idempotent: a second payment notice of the same invoice is refused, not applied twice', () => {
      const once = transition(request(active()), paid()).state;
      expectIllegal(once, paid(), 'same_plan', /already on plan pro/);
    });

    it('a late payment of a dropped upgrade still buys it for the period it priced, and only that one', () => {
      const dropped = apply(request(active()), { type: 'upgrade_expired', invoiceId: 'inv_1' });
      expect(transition(dropped, paid()).state).toMatchObject({ planId: 'pro', pendingUpdate: null });
      expectIllegal(dropped, paid('inv_1', 'pro', plusDays(PERIOD_END, 1)), 'no_pending_upgrade', /another period/);
      const renewed = apply(dropped, { type: 'renewal_paid', interval: MONTH });
      expectIllegal(renewed, paid(), 'no_pending_upgrade', /another period/);
      expectIllegal(request(dropped, 'inv_2', 'max'), paid(), 'no_pending_upgrade', /waits for invoice inv_2/);
    });

    it('allows one pending upgrade at a time, and no other switch while it waits', () => {
      const pending = request(active());
      expectIllegal(pending, { type: 'upgrade_requested', now: T0, newPlanId: 'max', newPriceId: 'price_max', invoiceId: 'inv_2' }, 'upgrade_pending', /waiting for invoice inv_1/);
      expectIllegal(pending, { type: 'switch_plan', now: T0, newPlanId: 'mini', direction: 'downgrade' }, 'upgrade_pending');
      expectIllegal(pending, { type: 'switch_plan', now: T0, newPlanId: 'max', direction: 'upgrade' }, 'upgrade_pending');
    });

    it('refuses the current plan, the plan already scheduled, a request without invoice, and anything but active', () => {
      expectIllegal(active(), { type: 'upgrade_requested', now: T0, newPlanId: 'basic', newPriceId: 'p', invoiceId: 'inv_1' }, 'same_plan');
      const downgraded = apply(active(), { type: 'switch_plan', now: T0, newPlanId: 'mini', direction: 'downgrade' });
      expectIllegal(downgraded, { type: 'upgrade_requested', now: T0, newPlanId: 'mini', newPriceId: 'p', invoiceId: 'inv_1' }, 'same_plan');
      expectIllegal(active(), { type: 'upgrade_requested', now: T0, newPlanId: 'pro', newPriceId: 'p', invoiceId: '' });
      for (const s of [incomplete(), pastDue(), paused(), unpaid(), canceled()]) {
        expectIllegal(s, { type: 'upgrade_requested', now: T0, newPlanId: 'pro', newPriceId: 'p', invoiceId: 'inv_1' });
      }
    });

    it('keeps the pending change through pause and past due, and applies it there when paid', () => {
      const pausedPending = apply(request(active()), { type: 'pause', now: plusDays(T0, 4), resumeAt: null, maxPauseDays: null });
      expect(transition(pausedPending, paid()).state).toMatchObject({ status: S.Paused, planId: 'pro', pendingUpdate: null });
      const pastDuePending = apply(request(active()), { type: 'period_ended_unpaid', now: PERIOD_END, graceDays: 7 });
      expect(transition(pastDuePending, { type: 'upgrade_expired', invoiceId: 'inv_1' }).state).toMatchObject({ status: S.PastDue, pendingUpdate: null });
    });

    it('a scheduled cancellation keeps it; ending the subscription clears it', () => {
      const scheduled = apply(request(active()), { type: 'cancel_at_period_end', now: T0, reason: null });
      expect(scheduled.pendingUpdate).toMatchObject({ invoiceId: 'inv_1' });
      const ended = transition(request(active()), { type: 'cancel_now', now: plusDays(T0, 4), reason: null }).state;
      expect(ended).toMatchObject({ status: S.Canceled, pendingUpdate: null, planId: 'basic' });
      expectIllegal(ended, paid());
    });

    it('a zero-amount upgrade still applies at once through switch_plan', () => {
      expect(transition(active(), { type: 'switch_plan', now: T0, newPlanId: 'pro', direction: 'upgrade' }).state).toMatchObject({ planId: 'pro', pendingUpdate: null });
    });
  });

  describe('payment_reversed', () => {
    it('moves active to past_due with grace counted from now', () => {
      const now = plusDays(T0, 3);
      const { state, change } = transition(active(), { type: 'payment_reversed', now, graceDays: 2 });
      expect(change).toBe('subscription.past_due');
      expect(state).toMatchObject({ status: S.PastDue, graceUntil: plusDays(now, 2), currentPeriodEnd: PERIOD_END });
    });

    it.each([
      ['incomplete', incomplete],
      ['canceled', canceled],
    ])('is illegal on an %s subscription', (_name, make) => {
      expectIllegal(make(), { type: 'payment_reversed', now: T0, graceDays: 2 });
    });
  });

  describe('payment_restored', () => {
    it('returns a reversed subscription to active for the same period', () => {
      const reversed = transition(active(), { type: 'payment_reversed', now: plusDays(T0, 3), graceDays: 2 }).state;
      const { state, change } = transition(reversed, { type: 'payment_restored' });
      expect(change).toBe('subscription.activated');
      expect(state).toMatchObject({ status: S.Active, graceUntil: null, currentPeriodStart: reversed.currentPeriodStart, currentPeriodEnd: PERIOD_END });
    });

    it('is illegal unless past due', () => {
      expectIllegal(active(), { type: 'payment_restored' });
    });
  });

  describe('terminal states and input hygiene', () => {
    it.each([
      ['canceled', canceled],
      ['incomplete_expired', expired],
    ])('%s accepts no event', (_name, make) => {
      const s = make();
      for (const e of sampleEvents(PERIOD_END)) expectIllegal(s, e);
    });

    it('returns a fresh state that shares no Date instances with the input', () => {
      const before = active();
      const { state } = transition(before, { type: 'cancel_at_period_end', now: T0, reason: null });
      expect(state).not.toBe(before);
      expect(state.currentPeriodEnd).not.toBe(before.currentPeriodEnd);
      expect(before.cancelAtPeriodEnd).toBe(false);
    });

    it('rejects an invalid now as an IllegalTransitionError', () => {
      expectIllegal(active(), { type: 'cancel_now', now: new Date(NaN), reason: null }, 'illegal_transition', /not a valid date/);
    });
  });
});

// One of every event type, so "accepts nothing" tests cover the full union.
function sampleEvents(now: Date): LifecycleEvent[] {
  return [
    { type: 'first_invoice_paid', interval: MONTH, now },
    { type: 'first_invoice_expired', now },
    { type: 'renewal_paid', interval: MONTH },
    { type: 'period_ended_unpaid', now, graceDays: 1 },
    { type: 'grace_expired', now, onGraceExpiry: 'cancel' },
    { type: 'period_ended_with_cancel', now },
    { type: 'cancel_at_period_end', now, reason: null },
    { type: 'unschedule_cancel' },
    { type: 'cancel_now', now, reason: null },
    { type: 'pause', now, resumeAt: null, maxPauseDays: null },
    { type: 'resume', now },
    { type: 'switch_plan', now, newPlanId: 'pro', direction: 'upgrade' },
    { type: 'upgrade_requested', now, newPlanId: 'pro', newPriceId: 'price_pro', invoiceId: 'inv_1' },
    { type: 'upgrade_paid', invoiceId: 'inv_1', planId: 'pro', periodEnd: now },
    { type: 'upgrade_expired', invoiceId: 'inv_1' },
    { type: 'payment_reversed', now, graceDays: 1 },
    { type: 'payment_restored' },
  ];
}

describe('transition invariants (property-based)', () => {
  // Events are generated as recipes anchored on the current state's dates, so guards like
  // "now >= graceUntil" are hit from both sides instead of almost always failing.
  type Anchor = 'start' | 'end' | 'grace' | 'paused' | 'fixed';
  const anchorOf = (s: LifecycleState, a: Anchor): Date =>
    ({ start: s.currentPeriodStart, end: s.currentPeriodEnd, grace: s.graceUntil, paused: s.pausedAt, fixed: T0 })[a] ??
    s.currentPeriodEnd;
  const timeArb = fc.record({
    anchor: fc.constantFrom<Anchor>('start', 'end', 'grace', 'paused', 'fixed'),
    offset: fc.integer({ min: -5 * DAY, max: 40 * DAY }),
  });
  type Recipe = (s: LifecycleState) => LifecycleEvent;
  const at = (s: LifecycleState, t: { anchor: Anchor; offset: number }): Date => new Date(anchorOf(s, t.anchor).getTime() + t.offset);
  const intervalArb = fc.record({ unit: fc.constantFrom<Interval['unit']>('day', 'week', 'month', 'year'), count: fc.integer({ min: 1, max: 3 }) });
  const planArb = fc.constantFrom('basic', 'pro', 'mini');
  const invoiceArb = fc.constantFrom('inv_1', 'inv_2');

  // Irreversible events are rare so sequences live long enough to reach unpaid, resume, etc.
  const often = (arbitrary: fc.Arbitrary<Recipe>) => ({ weight: 5, arbitrary });
  const rarely = (arbitrary: fc.Arbitrary<Recipe>) => ({ weight: 1, arbitrary });
  const graceArb = fc.integer({ min: 0, max: 14 });
  const reasonArb = fc.option(fc.string());
  const recipeArb: fc.Arbitrary<Recipe> = fc.oneof(
    often(fc.tuple(intervalArb, timeArb).map(([interval, t]): Recipe => (s) => ({ type: 'first_invoice_paid', interval, now: at(s, t) }))),
    rarely(timeArb.map((t): Recipe => (s) => ({ type: 'first_invoice_expired', now: at(s, t) }))),
    often(intervalArb.map((interval): Recipe => () => ({ type: 'renewal_paid', interval }))),
    often(fc.tuple(timeArb, graceArb).map(([t, graceDays]): Recipe => (s) => ({ type: 'period_ended_unpaid', now: at(s, t), graceDays }))),
    often(
      fc
        .tuple(timeArb, fc.constantFrom<'cancel' | 'mark_unpaid'>('cancel', 'mark_unpaid'))
        .map(([t, onGraceExpiry]): Recipe => (s) => ({ type: 'grace_expired', now: at(s, t), onGraceExpiry })),
    ),
    often(timeArb.map((t): Recipe => (s) => ({ type: 'period_ended_with_cancel', now: at(s, t) }))),
    often(fc.tuple(timeArb, reasonArb).map(([t, reason]): Recipe => (s) => ({ type: 'cancel_at_period_end', now: at(s, t), reason }))),
    often(fc.constant<Recipe>(() => ({ type: 'unschedule_cancel' }))),
    rarely(fc.tuple(timeArb, reasonArb).map(([t, reason]): Recipe => (s) => ({ type: 'cancel_now', now: at(s, t), reason }))),
    often(
      fc
        .tuple(timeArb, fc.option(fc.integer({ min: -2 * DAY, max: 60 * DAY })), fc.option(fc.integer({ min: 0, max: 60 })))
        .map(([t, resumeOffset, maxPauseDays]): Recipe => (s) => {
          const now = at(s, t);
          return { type: 'pause', now, resumeAt: resumeOffset === null ? null : new Date(now.getTime() + resumeOffset), maxPauseDays };
        }),
    ),
    often(timeArb.map((t): Recipe => (s) => ({ type: 'resume', now: at(s, t) }))),
    often(
      fc
        .tuple(timeArb, planArb, fc.constantFrom<'upgrade' | 'downgrade'>('upgrade', 'downgrade'))
        .map(([t, newPlanId, direction]): Recipe => (s) => ({ type: 'switch_plan', now: at(s, t), newPlanId, direction })),
    ),
    often(
      fc
        .tuple(timeArb, planArb, invoiceArb)
        .map(([t, newPlanId, invoiceId]): Recipe => (s) => ({ type: 'upgrade_requested', now: at(s, t), newPlanId, newPriceId: `price_${newPlanId}`, invoiceId })),
    ),
    // Mostly the invoice the pending change waits for (or the plan it names), sometimes another.
    often(
      fc
        .tuple(fc.boolean(), invoiceArb, planArb, fc.constantFrom<Anchor>('end', 'start'))
        .map(([own, invoiceId, planId, anchor]): Recipe => (s) => ({
          type: 'upgrade_paid',
          invoiceId: own && s.pendingUpdate ? s.pendingUpdate.invoiceId : invoiceId,
          planId: own && s.pendingUpdate ? s.pendingUpdate.planId : planId,
          periodEnd: anchorOf(s, anchor),
        })),
    ),
    often(fc.tuple(fc.boolean(), invoiceArb).map(([own, invoiceId]): Recipe => (s) => ({ type: 'upgrade_expired', invoiceId: own && s.pendingUpdate ? s.pendingUpdate.invoiceId : invoiceId }))),
    often(fc.tuple(timeArb, graceArb).map(([t, graceDays]): Recipe => (s) => ({ type: 'payment_reversed', now: at(s, t), graceDays }))),
    often(fc.constant((): LifecycleEvent => ({ type: 'payment_restored' }))),
  );
  const scenarioArb = fc.tuple(planArb, intervalArb, fc.array(recipeArb, { maxLength: 40, size: 'max' }));

  type Step = { before: LifecycleState; event: LifecycleEvent; result: ReturnType<typeof transition> | IllegalTransitionError };
  function run([plan, interval, recipes]: [string, Interval, Recipe[]]): Step[] {
    let state = initialState(plan, T0, interval);
    const steps: Step[] = [];
    for (const recipe of recipes) {
      const event = recipe(state);
      const before = state;
      try {
        const result = transition(state, event);
        steps.push({ before, event, result });
        state = result.state;
      } catch (err) {
        if (!(err instanceof IllegalTransitionError)) throw err; // a TypeError etc. fails the property
        steps.push({ before, event, result: err });
      }
    }
    return steps;
  }

  it('keeps every invariant after any sequence of events, and only ever throws IllegalTransitionError', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        for (const { before, result } of run(scenario)) {
          expectInvariants(before);
          if (result instanceof IllegalTransitionError) {
            expect(result.from).toBe(before.status);
          } else {
            expectInvariants(result.state);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('changes the plan only when an upgrade is paid, applies at once, or at renewal; a pending upgrade never does it alone', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        for (const { before, event, result } of run(scenario)) {
          if (result instanceof IllegalTransitionError || result.state.planId === before.planId) continue;
          expect(['upgrade_paid', 'switch_plan', 'renewal_paid']).toContain(event.type);
          if (event.type === 'switch_plan') expect(before.pendingUpdate).toBeNull();
          if (event.type === 'upgrade_paid' && before.pendingUpdate !== null) expect(result.state.planId).toBe(before.pendingUpdate.planId);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('terminal states accept no event', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        for (const { before, result } of run(scenario)) {
          if (before.status === S.Canceled || before.status === S.IncompleteExpired) {
            expect(result).toBeInstanceOf(IllegalTransitionError);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never mutates its input and canTransition agrees with transition', () => {
    fc.assert(
      fc.property(scenarioArb, recipeArb, (scenario, recipe) => {
        const steps = run(scenario);
        const last = steps.length ? steps[steps.length - 1] : undefined;
        const state = last && !(last.result instanceof IllegalTransitionError) ? last.result.state : (last?.before ?? initialState('basic', T0, MONTH));
        const snapshot = structuredClone(state);
        const event = recipe(state);
        const eventSnapshot = structuredClone(event);
        let threw = false;
        try {
          const out = transition(state, event);
          expect(out.state).not.toBe(state);
        } catch (err) {
          expect(err).toBeInstanceOf(IllegalTransitionError);
          threw = true;
        }
        expect(state).toEqual(snapshot);
        expect(event).toEqual(eventSnapshot);
        expect(canTransition(state, event)).toBe(!threw);
      }),
      { numRuns: 300 },
    );
  });

  it('only throws IllegalTransitionError for arbitrary, even malformed, event payloads', () => {
    const anyDate = fc.date(); // includes Invalid Date
    const anyNumber = fc.oneof(fc.integer(), fc.double());
    const hostileEvent = fc.record({
      type: fc.constantFrom(...sampleEvents(T0).map((e) => e.type)),
      now: anyDate,
      interval: fc.record({ unit: fc.constantFrom('day', 'week', 'month', 'year'), count: anyNumber }),
      graceDays: anyNumber,
      onGraceExpiry: fc.constantFrom('cancel', 'mark_unpaid'),
      reason: fc.option(fc.string()),
      resumeAt: fc.option(anyDate),
      maxPauseDays: fc.option(anyNumber),
      newPlanId: planArb,
      direction: fc.constantFrom('upgrade', 'downgrade'),
      newPriceId: fc.option(fc.string()),
      invoiceId: fc.option(fc.constantFrom('inv_1', 'inv_2', '')),
      planId: fc.option(planArb),
      periodEnd: fc.option(anyDate),
    }) as unknown as fc.Arbitrary<LifecycleEvent>;
    fc.assert(
      fc.property(scenarioArb, fc.array(hostileEvent, { maxLength: 10 }), (scenario, events) => {
        const steps = run(scenario);
        let state = steps.length ? steps[steps.length - 1].before : initialState('basic', T0, MONTH);
        for (const event of events) {
          try {
            state = transition(state, event).state;
          } catch (err) {
            expect(err).toBeInstanceOf(IllegalTransitionError);
          }
          expectInvariants(state);
          for (const d of [state.currentPeriodStart, state.currentPeriodEnd, state.canceledAt, state.endedAt, state.pausedAt, state.resumeAt, state.graceUntil]) {
            if (d !== null) expect(Number.isNaN(d.getTime())).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the generator actually reaches every status and every change (guards against vacuous properties)', () => {
    const statuses = new Set<SubscriptionStatus>();
    const changes = new Set<LifecycleChange>();
    for (const scenario of fc.sample(scenarioArb, { seed: 42, numRuns: 300 })) {
      for (const { result } of run(scenario)) {
        if (!(result instanceof IllegalTransitionError)) {
          statuses.add(result.state.status);
          changes.add(result.change);
        }
      }
    }
    expect([...statuses].sort()).toEqual(Object.values(S).filter((s) => s !== S.Incomplete).sort());
    expect([...changes].sort()).toEqual(
      [
        'subscription.activated',
        'subscription.renewed',
        'subscription.past_due',
        'subscription.canceled',
        'subscription.unpaid',
        'subscription.expired',
        'subscription.cancellation_scheduled',
        'subscription.cancellation_unscheduled',
        'subscription.paused',
        'subscription.resumed',
        'subscription.updated',
        'subscription.pending_update_expired',
      ].sort(),
    );
  });
});
