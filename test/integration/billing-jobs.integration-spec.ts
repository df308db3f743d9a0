import { getQueueToken } from '@nestjs/bullmq';
import type { TestingModule } from '@nestjs/testing';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import { BILLING_QUEUE, BILLING_SWEEP_EVERY_MS, BILLING_SWEEP_SCHEDULER_ID, BillingJobName } from '../../src/billing/billing.jobs';
import { BillingProcessor } from '../../src/billing/billing.processor';
import { BillingSchedules } from '../../src/billing/billing.schedules';
import { BillingSweepError, BillingSweeper, type SweepReport } from '../../src/billing/billing-sweeper.service';
import type { Tenant } from '../../src/common/tenant';
import { Db, isUniqueViolation } from '../../src/database/db.service';
import type { BillingSettings } from '../../src/merchants/merchant.entity';
import { cancelSubscriptionSchema } from '../../src/subscriptions/subscription.dto';
import { SubscriptionService } from '../../src/subscriptions/subscription.service';
import { addInterval, type LifecycleEvent } from '../../src/subscriptions/subscription-lifecycle';
import { FakeClock } from '../fakes/clock';
import {
  asJson,
  createCustomer,
  createMerchant,
  createPlan,
  createSubscription,
  ETH,
  issueInvoice,
  markInvoicePaid,
  freshAddress,
  principalOf,
  tenantOf,
  transition as transitionSubscription,
  updateMerchant,
  USDC,
  type MerchantFixture,
} from '../factories';
import { createTestModule, type TestModule } from '../support/testing-module';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MONTH = { unit: 'month', count: 1 } as const;
// Long before the wall clock, so rows other spec files left in this worker's database are never due here.
const START = new Date('2021-03-01T00:00:00.000Z');
const PERIOD_END = addInterval(START, MONTH);
// What the sweeper emits, to count its audit rows and events one for one.
const SWEEPER_EVENTS = ['invoice.created', 'invoice.expired', 'invoice.voided', 'subscription.past_due', 'subscription.canceled', 'subscription.unpaid', 'subscription.expired', 'subscription.resumed'];

const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

interface InvoiceRow {
  id: string;
  status: string;
  tag_held: boolean;
  subtotal: string;
  amount_due: string;
  asset_id: string;
  period_start: Date;
  period_end: Date;
  expires_at: Date;
  monitor_until: Date;
  line_items: { planId: string; quantity: number }[];
}

// The sweeper comes from the worker's own composition root (WorkerModule), compiled but not
// initialised: no BullMQ worker or scheduler starts behind the test's back. Fixtures come from
// the same module's services (test/factories), on the same database and FakeClock.
describe('billing jobs (time-driven subscription and invoice rules)', () => {
  let t: TestModule;
  let worker: TestingModule;
  let sweeper: BillingSweeper;
  let ds: DataSource;

  beforeAll(async () => {
    t = await createTestModule({ root: 'worker', clock: new FakeClock(START) });
    worker = t.module;
    sweeper = worker.get(BillingSweeper);
    ds = t.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  beforeEach(() => t.clock.set(START));

  interface Fixture {
    m: MerchantFixture;
    tenant: Tenant;
    plan: { id: string };
    customer: { id: string };
  }

  async function merchant(options: { billing?: Partial<BillingSettings>; prices?: { assetId: string; amount: string }[] } = {}): Promise<Fixture> {
    const m = await createMerchant(t, { changes: { receivingAddresses: { '31337': freshAddress() }, ...(options.billing ? { billingSettings: options.billing } : {}) } });
    const plan = await createPlan(t, m, { name: 'Pro', interval: MONTH, prices: options.prices ?? [{ assetId: USDC, amount: '10000000' }] });
    const customer = await createCustomer(t, m, { email: `c${Date.now()}@example.com` });
    return { m, tenant: tenantOf(m), plan, customer };
  }

  // The subscription as the merchant API shows it (dates as ISO strings).
  async function subscribe(f: Fixture, body: Record<string, unknown> = {}) {
    const created = await createSubscription(t, f.m, { customerId: f.customer.id, planId: f.plan.id, ...body });
    return asJson<{ id: string; latestInvoice: { id: string; amountDue: string; expiresAt: string; monitorUntil: string } }>(created);
  }

  function markPaid(invoiceId: string): Promise<void> {
    return markInvoicePaid(t, invoiceId, t.clock.now());
  }

  function transition(tenant: Tenant, subscriptionId: string, event: LifecycleEvent): Promise<void> {
    return transitionSubscription(t, tenant, subscriptionId, event);
  }

  // First invoice paid and the subscription activated now: its period is [now, now + 1 month).
  async function activeSubscription(f: Fixture, body: Record<string, unknown> = {}) {
    const sub = await subscribe(f, body);
    await markPaid(sub.latestInvoice.id);
    await transition(f.tenant, sub.id, { type: 'first_invoice_paid', interval: MONTH, now: t.clock.now() });
    return sub;
  }

  // What GET /api/v1/subscriptions/:id answers.
  async function state(f: Fixture, id: string) {
    return asJson<Record<string, unknown> & { status: string }>(await t.get(SubscriptionService).get(f.tenant, id));
  }

  // What POST /api/v1/subscriptions/:id/cancel does.
  async function cancel(f: Fixture, id: string, body: z.input<typeof cancelSubscriptionSchema>): Promise<void> {
    await t.get(SubscriptionService).cancel(principalOf(f.m), id, cancelSubscriptionSchema.parse(body));
  }

  function renewals(subscriptionId: string): Promise<InvoiceRow[]> {
    return ds.query(`SELECT * FROM invoice WHERE subscription_id = $1 AND billing_reason = 'subscription_cycle' ORDER BY number`, [subscriptionId]);
  }

  async function invoice(id: string): Promise<InvoiceRow> {
    return (await ds.query(`SELECT * FROM invoice WHERE id = $1`, [id]))[0];
  }

  async function sweepAt(when: Date, times = 1): Promise<SweepReport> {
    t.clock.set(when);
    let report = await sweeper.sweep();
    for (let i = 1; i < times; i++) report = await sweeper.sweep();
    return report;
  }

  // Audit rows written by the sweeper and the matching outbox events, counted per action and type.
  async function history(f: Fixture): Promise<{ audit: Record<string, number>; events: Record<string, number> }> {
    const audit: { action: string; n: number }[] = await ds.query(
      `SELECT action, count(*)::int AS n FROM audit_event WHERE merchant_id = $1 AND actor_id = 'billing-sweeper' GROUP BY action`,
      [f.m.merchant.id],
    );
    const events: { type: string; n: number }[] = await ds.query(
      `SELECT type, count(*)::int AS n FROM outbox_event
       WHERE merchant_id = $1 AND type = ANY($2::text[]) AND (type <> 'invoice.created' OR data->'object'->>'billingReason' = 'subscription_cycle')
       GROUP BY type`,
      [f.m.merchant.id, SWEEPER_EVENTS],
    );
    return { audit: Object.fromEntries(audit.map((r) => [r.action, r.n])), events: Object.fromEntries(events.map((r) => [r.type, r.n])) };
  }

  it('issues one renewal invoice at period end minus renewalLeadDays, however many sweeps run, even concurrently', async () => {
    const f = await merchant();
    const subs = [];
    for (let i = 0; i < 4; i++) subs.push(await activeSubscription(f));

    await sweepAt(at(PERIOD_END, -3 * DAY - 1));
    for (const sub of subs) expect(await renewals(sub.id)).toHaveLength(0);

    t.clock.set(at(PERIOD_END, -3 * DAY));
    await Promise.all([sweeper.sweep(), sweeper.sweep(), sweeper.sweep()]);
    await sweepAt(at(PERIOD_END, -3 * DAY), 2);
    await sweepAt(at(PERIOD_END, -DAY));

    for (const sub of subs) {
      const rows = await renewals(sub.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'open', tag_held: true, subtotal: '10000000', asset_id: USDC, period_start: PERIOD_END, period_end: addInterval(PERIOD_END, MONTH) });
      expect(BigInt(rows[0].amount_due)).toBeGreaterThan(10000000n);
      expect(rows[0].line_items[0]).toMatchObject({ planId: f.plan.id, quantity: 1 });
      expect((await state(f, sub.id)).status).toBe('active');
    }
    expect(await history(f)).toEqual({ audit: { 'invoice.create': 4 }, events: { 'invoice.created': 4 } });
  });

  it("prices the renewal in the customer's payment asset, and from the scheduled downgrade's plan", async () => {
    const f = await merchant({ prices: [{ assetId: USDC, amount: '10000000' }, { assetId: ETH, amount: '5000000000000000' }] });
    const lite = await createPlan(t, f.m, { name: 'Lite', interval: MONTH, prices: [{ assetId: USDC, amount: '4000000' }, { assetId: ETH, amount: '2000000000000000' }] });
    const prefersEth = { ...f, customer: await createCustomer(t, f.m, { email: 'eth@example.com' }) };
    await ds.query(`UPDATE customer SET payment_asset_id = $2 WHERE id = $1`, [prefersEth.customer.id, ETH]);

    const ethRenewal = await activeSubscription(prefersEth, { assetId: USDC, quantity: 2 });
    const plain = await activeSubscription(f, { assetId: USDC });
    const downgraded = await activeSubscription(f, { assetId: USDC, quantity: 3 });
    await transition(f.tenant, downgraded.id, { type: 'switch_plan', now: t.clock.now(), newPlanId: lite.id, direction: 'downgrade' });

    await sweepAt(at(PERIOD_END, -3 * DAY));
    expect((await renewals(ethRenewal.id))[0]).toMatchObject({ asset_id: ETH, subtotal: '10000000000000000' });
    expect((await renewals(plain.id))[0]).toMatchObject({ asset_id: USDC, subtotal: '10000000' });
    const down = (await renewals(downgraded.id))[0];
    expect(down).toMatchObject({ asset_id: USDC, subtotal: '12000000' });
    expect(down.line_items[0]).toMatchObject({ planId: lite.id, quantity: 3 });
  });

  it('leaves a paid renewal to the reconciler: no past_due at period end, and the next renewal follows', async () => {
    const f = await merchant();
    const sub = await activeSubscription(f);
    await sweepAt(at(PERIOD_END, -3 * DAY));
    const [first] = await renewals(sub.id);

    // Paid on chain, but the reconciler has not applied renewal_paid yet when the period ends.
    await markPaid(first.id);
    await sweepAt(PERIOD_END, 2);
    expect(await state(f, sub.id)).toMatchObject({ status: 'active', graceUntil: null });

    await transition(f.tenant, sub.id, { type: 'renewal_paid', interval: MONTH });
    const nextEnd = addInterval(PERIOD_END, MONTH);
    await sweepAt(at(PERIOD_END, DAY));
    expect(await state(f, sub.id)).toMatchObject({ status: 'active', currentPeriodStart: PERIOD_END.toISOString(), currentPeriodEnd: nextEnd.toISOString() });

    await sweepAt(at(nextEnd, -3 * DAY));
    const rows = await renewals(sub.id);
    expect(rows.map((r) => [r.status, r.period_start])).toEqual([
      ['paid', PERIOD_END],
      ['open', nextEnd],
    ]);
    expect(await history(f)).toEqual({ audit: { 'invoice.create': 2 }, events: { 'invoice.created': 2 } });
  });

  it('makes an unpaid subscription past_due at period end with grace from the period end, then cancels it after grace', async () => {
    const f = await merchant();
    const sub = await activeSubscription(f);
    await sweepAt(at(PERIOD_END, -3 * DAY));
    await sweepAt(at(PERIOD_END, -1));
    expect((await state(f, sub.id)).status).toBe('active');

    // The renewal invoice ran out at the period end; a fresh one keeps the grace period payable.
    await sweepAt(PERIOD_END, 2);
    const graceUntil = at(PERIOD_END, 7 * DAY);
    expect(await state(f, sub.id)).toMatchObject({ status: 'past_due', graceUntil: graceUntil.toISOString(), currentPeriodEnd: PERIOD_END.toISOString() });
    expect((await renewals(sub.id)).map((r) => [r.status, r.tag_held])).toEqual([
      ['expired', true],
      ['open', true],
    ]);

    await sweepAt(at(graceUntil, -1));
    expect((await state(f, sub.id)).status).toBe('past_due');

    await sweepAt(graceUntil, 2);
    expect(await state(f, sub.id)).toMatchObject({ status: 'canceled', canceledAt: graceUntil.toISOString(), endedAt: graceUntil.toISOString(), graceUntil: null });
    const rows = await renewals(sub.id);
    expect(rows.every((r) => r.period_start.getTime() === PERIOD_END.getTime())).toBe(true);
    expect(rows.map((r) => r.status)).toEqual(['expired', 'expired', 'void']);
    // Void keeps its amount reserved through the monitoring window: a payment sent anyway is credit.
    expect(rows[2].tag_held).toBe(true);

    expect(await history(f)).toEqual({
      audit: { 'invoice.create': 3, 'invoice.expire': 2, 'subscription.period_ended_unpaid': 1, 'subscription.grace_expired': 1, 'invoice.void': 1 },
      events: { 'invoice.created': 3, 'invoice.expired': 2, 'subscription.past_due': 1, 'subscription.canceled': 1, 'invoice.voided': 1 },
    });
  });

  it("marks the subscription unpaid after grace when the merchant's setting says mark_unpaid, and stops re-billing it", async () => {
    const f = await merchant({ billing: { onGraceExpiry: 'mark_unpaid', graceDays: 2 } });
    const sub = await activeSubscription(f);
    // The worker was down through the lead time: the renewal and past_due come in one run.
    await sweepAt(PERIOD_END);
    expect(await state(f, sub.id)).toMatchObject({ status: 'past_due', graceUntil: at(PERIOD_END, 2 * DAY).toISOString() });
    expect(await renewals(sub.id)).toHaveLength(1);

    await sweepAt(at(PERIOD_END, 2 * DAY), 2);
    expect(await state(f, sub.id)).toMatchObject({ status: 'unpaid', graceUntil: null });
    await sweepAt(at(PERIOD_END, 10 * DAY));
    expect((await renewals(sub.id)).map((r) => r.status)).toEqual(['expired']);
    expect(await history(f)).toEqual({
      audit: { 'invoice.create': 1, 'invoice.expire': 1, 'subscription.period_ended_unpaid': 1, 'subscription.grace_expired': 1 },
      events: { 'invoice.created': 1, 'invoice.expired': 1, 'subscription.past_due': 1, 'subscription.unpaid': 1 },
    });
  });

  it('cancels at period end when scheduled, issues no renewal once scheduled, and voids an open renewal', async () => {
    const f = await merchant({ billing: { renewalLeadDays: 2 } });
    const early = await activeSubscription(f);
    const late = await activeSubscription(f);
    t.clock.set(at(START, DAY));
    await cancel(f, early.id, { atPeriodEnd: true, reason: 'Too expensive' });

    await sweepAt(at(PERIOD_END, -2 * DAY));
    expect(await renewals(early.id)).toHaveLength(0);
    const [lateRenewal] = await renewals(late.id);
    expect(lateRenewal.status).toBe('open');
    await cancel(f, late.id, { atPeriodEnd: true });

    await sweepAt(at(PERIOD_END, -1));
    expect((await state(f, early.id)).status).toBe('active');
    expect(await renewals(early.id)).toHaveLength(0);

    await sweepAt(PERIOD_END, 2);
    for (const sub of [early, late]) {
      expect(await state(f, sub.id)).toMatchObject({ status: 'canceled', endedAt: PERIOD_END.toISOString(), cancelAtPeriodEnd: false });
    }
    expect((await state(f, early.id)).cancellationReason).toBe('Too expensive');
    expect(await invoice(lateRenewal.id)).toMatchObject({ status: 'void', tag_held: true });
    expect(await history(f)).toEqual({
      audit: { 'invoice.create': 1, 'subscription.period_ended_with_cancel': 2, 'invoice.void': 1 },
      events: { 'invoice.created': 1, 'subscription.canceled': 2, 'invoice.voided': 1 },
    });
  });

  it('resumes a paused subscription on its resume date with the period shifted, billing nothing while paused', async () => {
    const f = await merchant();
    const sub = await activeSubscription(f);
    const pausedAt = at(START, 20 * DAY);
    const resumeAt = at(START, 40 * DAY); // after the original period end
    t.clock.set(pausedAt);
    await transition(f.tenant, sub.id, { type: 'pause', now: pausedAt, resumeAt, maxPauseDays: null });

    await sweepAt(at(PERIOD_END, 2 * DAY));
    await sweepAt(at(resumeAt, -1));
    expect(await state(f, sub.id)).toMatchObject({ status: 'paused', currentPeriodEnd: PERIOD_END.toISOString() });
    expect(await renewals(sub.id)).toHaveLength(0);

    await sweepAt(resumeAt, 2);
    const shiftedEnd = at(PERIOD_END, 20 * DAY);
    expect(await state(f, sub.id)).toMatchObject({
      status: 'active',
      currentPeriodStart: at(START, 20 * DAY).toISOString(),
      currentPeriodEnd: shiftedEnd.toISOString(),
      pausedAt: null,
      resumeAt: null,
    });
    expect(await renewals(sub.id)).toHaveLength(0);

    await sweepAt(at(shiftedEnd, -3 * DAY));
    expect((await renewals(sub.id)).map((r) => r.period_start)).toEqual([shiftedEnd]);
    expect(await history(f)).toEqual({
      audit: { 'subscription.resume': 1, 'invoice.create': 1 },
      events: { 'subscription.resumed': 1, 'invoice.created': 1 },
    });
  });

  it('expires an incomplete subscription whose first invoice ran out unpaid, and leaves a paid one to the reconciler', async () => {
    const f = await merchant();
    const unpaid = await subscribe(f);
    const paid = await subscribe(f);
    await markPaid(paid.latestInvoice.id);
    const expiresAt = new Date(unpaid.latestInvoice.expiresAt);
    expect(expiresAt).toEqual(at(START, 72 * HOUR));

    await sweepAt(at(expiresAt, -1));
    expect((await state(f, unpaid.id)).status).toBe('incomplete');

    await sweepAt(expiresAt, 2);
    expect(await state(f, unpaid.id)).toMatchObject({ status: 'incomplete_expired', endedAt: expiresAt.toISOString() });
    expect(await invoice(unpaid.latestInvoice.id)).toMatchObject({ status: 'expired', tag_held: true });
    expect((await state(f, paid.id)).status).toBe('incomplete');
    expect(await history(f)).toEqual({
      audit: { 'invoice.expire': 1, 'subscription.first_invoice_expired': 1 },
      events: { 'invoice.expired': 1, 'subscription.expired': 1 },
    });
  });

  it('keeps an expired invoice’s amount tag through monitor_until, then releases it for reuse', async () => {
    // A price no other test uses, so the tags in its window are this test's alone.
    const f = await merchant({ prices: [{ assetId: USDC, amount: '31337000000' }] });
    const first = await subscribe(f);
    const amount = first.latestInvoice.amountDue;
    await sweepAt(new Date(first.latestInvoice.expiresAt));
    expect(await invoice(first.latestInvoice.id)).toMatchObject({ status: 'expired', tag_held: true });

    const whileHeld = await subscribe(f);
    expect(whileHeld.latestInvoice.amountDue).not.toBe(amount);

    const monitorUntil = new Date(first.latestInvoice.monitorUntil);
    expect(monitorUntil).toEqual(at(START, (72 + 24) * HOUR));
    await sweepAt(at(monitorUntil, -1));
    expect((await invoice(first.latestInvoice.id)).tag_held).toBe(true);

    const report = await sweepAt(monitorUntil);
    expect(report.release_tags.changed).toBeGreaterThanOrEqual(1);
    expect(await invoice(first.latestInvoice.id)).toMatchObject({ status: 'expired', tag_held: false });
    const reused = await subscribe(f);
    expect(reused.latestInvoice.amountDue).toBe(amount);
  });

  it('voids an open re-issued renewal once its expired predecessor is paid late', async () => {
    const f = await merchant();
    const sub = await activeSubscription(f);
    await sweepAt(at(PERIOD_END, -3 * DAY));
    await sweepAt(PERIOD_END);
    const [expired, reissued] = await renewals(sub.id);
    expect([expired.status, reissued.status]).toEqual(['expired', 'open']);

    // A late payment within the monitoring window settles the first one.
    await markPaid(expired.id);
    await transition(f.tenant, sub.id, { type: 'renewal_paid', interval: MONTH });
    await sweepAt(at(PERIOD_END, HOUR), 2);
    expect(await invoice(reissued.id)).toMatchObject({ status: 'void', tag_held: true });
    expect(await state(f, sub.id)).toMatchObject({ status: 'active', currentPeriodEnd: addInterval(PERIOD_END, MONTH).toISOString() });
  });

  it('refuses a second open renewal invoice for the same period in the database', async () => {
    const f = await merchant();
    const sub = await activeSubscription(f);
    const db = t.get(Db);
    const issue = () => issueInvoice(t, f.m, sub.id, { start: PERIOD_END, end: addInterval(PERIOD_END, MONTH) });
    const error = await db
      .transaction(async () => {
        await issue();
        await issue();
      })
      .catch((err: unknown) => err);
    expect(isUniqueViolation(error, 'invoice_cycle_open_uq')).toBe(true);
    expect(await renewals(sub.id)).toHaveLength(0);
  });

  it('isolates a failing row: the others are processed and the run fails with the row named', async () => {
    const good = await merchant();
    const broken = await merchant();
    const ok = await activeSubscription(good);
    const bad = await activeSubscription(broken);
    await updateMerchant(t, broken.m, { receivingAddresses: { '31337': null } });

    t.clock.set(at(PERIOD_END, -3 * DAY));
    const error = await sweeper.sweep().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BillingSweepError);
    expect((error as BillingSweepError).failures.map((x) => [x.rule, x.id])).toEqual([['renew', bad.id]]);
    expect((error as BillingSweepError).report.renew.failed).toBe(1);
    expect(await renewals(ok.id)).toHaveLength(1);
    expect(await renewals(bad.id)).toHaveLength(0);

    await updateMerchant(t, broken.m, { receivingAddresses: { '31337': freshAddress() } });
    await sweepAt(at(PERIOD_END, -3 * DAY));
    expect(await renewals(bad.id)).toHaveLength(1);
  });

  describe(BillingProcessor.name, () => {
    const job = (name: string) => ({ name, attemptsMade: 0 }) as unknown as Job;

    it('delegates the sweep job to the sweeper and returns its report', async () => {
      const report = { renew: { changed: 1, skipped: 0, failed: 0 } };
      const processor = new BillingProcessor({ sweep: async () => report } as unknown as BillingSweeper);
      await expect(processor.process(job(BillingJobName.Sweep))).resolves.toBe(report);
    });

    it('rethrows what the sweeper throws, so the job fails', async () => {
      const processor = new BillingProcessor({
        sweep: async () => {
          throw new Error('database unavailable');
        },
      } as unknown as BillingSweeper);
      await expect(processor.process(job(BillingJobName.Sweep))).rejects.toThrow('database unavailable');
      await expect(processor.process(job('no-such-job'))).rejects.toThrow('unknown job no-such-job');
    });

    it('is wired into the worker, which upserts a sweep every 60 s at boot', async () => {
      expect(worker.get(BillingProcessor)).toBeInstanceOf(BillingProcessor);
      const queue = worker.get<Queue>(getQueueToken(BILLING_QUEUE));
      await worker.get(BillingSchedules).onApplicationBootstrap();
      await worker.get(BillingSchedules).onApplicationBootstrap();
      const scheduler = await queue.getJobScheduler(BILLING_SWEEP_SCHEDULER_ID);
      expect(scheduler).toMatchObject({ name: BillingJobName.Sweep, every: BILLING_SWEEP_EVERY_MS });
      expect(await queue.getJobSchedulersCount()).toBe(1);
      await queue.removeJobScheduler(BILLING_SWEEP_SCHEDULER_ID);
      await queue.obliterate({ force: true });
    });
  });
});
