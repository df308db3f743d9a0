import { createTestApp, type TestApp } from '../app';
import { prorateUpgrade } from '../../src/portal-actions/proration';
import { activateSubscription, type MerchantChanges } from '../factories';
import { createPlan, createPortalCustomer, createPortalMerchant, csrfFrom, db, openPortal, suiteEnv, type PortalCustomer, type PortalMerchant } from '../support/portal';

// Cancel / undo, pause / resume, switch plan from the customer portal.

const DAY = 86_400_000;

interface Opened {
  c: PortalCustomer;
  cookie: string;
  csrf: string;
}

interface SubRow {
  status: string;
  plan_id: string;
  price_id: string;
  cancel_at_period_end: boolean;
  cancellation_reason: string | null;
  pending_plan_id: string | null;
  pending_update_plan_id: string | null;
  pending_update_price_id: string | null;
  pending_update_invoice_id: string | null;
  resume_at: Date | null;
  current_period_start: Date;
  current_period_end: Date;
}

describe('portal subscription actions', () => {
  let t: TestApp;
  let m: PortalMerchant;
  let proPlan: string;
  let basicPlan: string;

  beforeAll(async () => {
    t = await createTestApp({ env: suiteEnv('portal-sub-actions') });
    m = await shop('Actions Shop', { portalSettings: { pause: true, maxPauseDays: null } });
    proPlan = await createPlan(m, 'Pro', '25000000');
    basicPlan = await createPlan(m, 'Basic', '5000000');
  });

  afterAll(async () => {
    await t.close();
  });

  // A receiving address belongs to one merchant: createPortalMerchant gives each shop its own.
  function shop(name: string, patch: MerchantChanges = {}): Promise<PortalMerchant> {
    return createPortalMerchant(t, { name, patch });
  }

  function activate(merchantId: string, subscriptionId: string): Promise<void> {
    return activateSubscription(t, { merchantId, livemode: false }, subscriptionId, t.clock.now());
  }

  async function open(merchant: PortalMerchant, c: PortalCustomer, link: Record<string, unknown> = {}): Promise<Opened> {
    const session = await openPortal(t, merchant, c.id, link);
    const res = await t.http().get(`/portal/subscriptions/${c.subscriptionId}`).set('cookie', session.cookie);
    expect(res.status).toBe(200);
    return { c, cookie: session.cookie, csrf: csrfFrom(res.text) };
  }

  async function fresh(merchant: PortalMerchant = m, link: Record<string, unknown> = {}): Promise<Opened> {
    const c = await createPortalCustomer(merchant);
    await activate(merchant.id, c.subscriptionId);
    return open(merchant, c, link);
  }

  const page = (o: Opened, path = '') => t.http().get(`/portal/subscriptions/${o.c.subscriptionId}${path}`).set('cookie', o.cookie);
  const post = (o: Opened, action: string, form: Record<string, string> = {}, withCsrf = true) =>
    t
      .http()
      .post(`/portal/subscriptions/${o.c.subscriptionId}/${action}`)
      .set('cookie', o.cookie)
      .set('sec-fetch-site', 'same-origin')
      .type('form')
      .send(withCsrf ? { _csrf: o.csrf, ...form } : form);

  async function row(id: string): Promise<SubRow> {
    const rows: SubRow[] = await db(t).query(`SELECT * FROM subscription WHERE id = $1`, [id]);
    return rows[0];
  }

  function upgradeInvoices(subscriptionId: string): Promise<{ id: string; number: string; status: string; subtotal: string; line_items: { kind: string; amount: string; planId: string }[] }[]> {
    return db(t).query(`SELECT id, number, status, subtotal::text, line_items FROM invoice WHERE subscription_id = $1 AND billing_reason = 'subscription_update' ORDER BY created_at`, [subscriptionId]);
  }

  // Audit rows and outbox events about the subscription, after the activation.
  async function trail(id: string): Promise<{ audits: string[]; events: { type: string; data: Record<string, unknown> }[] }> {
    const audits: { action: string }[] = await db(t).query(`SELECT action FROM audit_event WHERE target_id = $1 AND action <> 'subscription.create' AND action <> 'subscription.first_invoice_paid' ORDER BY created_at, id`, [id]);
    const events: { type: string; data: Record<string, unknown> }[] = await db(t).query(
      `SELECT type, data FROM outbox_event WHERE data->'object'->>'id' = $1 AND type NOT IN ('subscription.created', 'subscription.activated') ORDER BY created_at, id`,
      [id],
    );
    return { audits: audits.map((a) => a.action), events };
  }

  describe('cancel and undo', () => {
    it('schedules a cancellation with a reason after a confirmation page, then withdraws it', async () => {
      const o = await fresh();
      const before = await row(o.c.subscriptionId);
      const sub = await page(o);
      expect(sub.text).toContain(`href="/portal/subscriptions/${o.c.subscriptionId}/cancel"`);

      const confirm = await page(o, '/cancel');
      expect(confirm.status).toBe(200);
      const endDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(before.current_period_end);
      expect(confirm.text).toContain(endDate);
      expect(confirm.text).toContain('value="Too expensive"');
      expect(confirm.text).toContain('Pause instead'); // pausing is on for this merchant

      const res = await post(o, 'cancel', { reason: 'Too expensive', note: 'Found a cheaper one' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/portal/subscriptions/${o.c.subscriptionId}?done=cancel-scheduled`);
      const after = await row(o.c.subscriptionId);
      expect(after).toMatchObject({ status: 'active', cancel_at_period_end: true, cancellation_reason: 'Too expensive: Found a cheaper one' });
      let log = await trail(o.c.subscriptionId);
      expect(log.audits).toEqual(['subscription.cancel_at_period_end']);
      expect(log.events.map((e) => e.type)).toEqual(['subscription.cancellation_scheduled']);
      expect(log.events[0].data).toMatchObject({ initiated_by: 'customer_portal', changes: { before: { cancelAtPeriodEnd: false }, after: { cancelAtPeriodEnd: true } } });

      const shown = await t.http().get(res.headers.location).set('cookie', o.cookie);
      expect(shown.text).toContain('Cancellation scheduled. You keep access');
      expect(shown.text).toContain(`action="/portal/subscriptions/${o.c.subscriptionId}/resume"`);
      expect(shown.text).not.toContain(`href="/portal/subscriptions/${o.c.subscriptionId}/cancel"`);

      const undo = await post(o, 'resume');
      expect(undo.status).toBe(303);
      expect(undo.headers.location).toContain('?done=cancel-undone');
      expect(await row(o.c.subscriptionId)).toMatchObject({ cancel_at_period_end: false, cancellation_reason: null });
      log = await trail(o.c.subscriptionId);
      expect(log.audits).toEqual(['subscription.cancel_at_period_end', 'subscription.unschedule_cancel']);
      expect(log.events.map((e) => e.type)).toEqual(['subscription.cancellation_scheduled', 'subscription.cancellation_unscheduled']);
      const again = await t.http().get(undo.headers.location).set('cookie', o.cookie);
      expect(again.text).toContain('The cancellation was withdrawn');
      expect(again.text).toContain(`href="/portal/subscriptions/${o.c.subscriptionId}/cancel"`);
    });

    it('rejects a reason that is not on the merchant list and a note over 500 characters', async () => {
      const o = await fresh();
      expect((await post(o, 'cancel', { reason: 'Made up' })).status).toBe(400);
      expect((await post(o, 'cancel', { note: 'x'.repeat(501) })).status).toBe(400);
      expect((await row(o.c.subscriptionId)).cancel_at_period_end).toBe(false);
      expect((await trail(o.c.subscriptionId)).events).toHaveLength(0);
    });

    it('cancels at once when the merchant cancels immediately', async () => {
      const now = await shop('Immediate Shop', { portalSettings: { cancelMode: 'immediately' } });
      const o = await fresh(now);
      const confirm = await page(o, '/cancel');
      expect(confirm.text).toContain('Canceling ends your subscription immediately');
      expect(confirm.text).not.toContain('Pause instead'); // pausing is off by default
      const res = await post(o, 'cancel', {});
      expect(res.headers.location).toContain('?done=canceled');
      expect(await row(o.c.subscriptionId)).toMatchObject({ status: 'canceled' });
      const log = await trail(o.c.subscriptionId);
      expect(log.audits).toEqual(['subscription.cancel_now']);
      expect(log.events.map((e) => e.type)).toEqual(['subscription.canceled']);
      const shown = await t.http().get(res.headers.location).set('cookie', o.cookie);
      expect(shown.text).toContain('Your subscription has been canceled.');
      expect(shown.text).not.toContain('Manage subscription'); // nothing left to do on a canceled one
    });

    it('two concurrent cancels apply once', async () => {
      const o = await fresh();
      const [a, b] = await Promise.all([post(o, 'cancel', { reason: 'Other' }), post(o, 'cancel', { reason: 'Other' })]);
      expect([a.status, b.status].sort()).toEqual([303, 422]);
      const log = await trail(o.c.subscriptionId);
      expect(log.events.map((e) => e.type)).toEqual(['subscription.cancellation_scheduled']);
      expect(log.audits).toEqual(['subscription.cancel_at_period_end']);
    });
  });

  describe('pause and resume', () => {
    it('pauses until a date, then resumes now and shifts the period', async () => {
      const o = await fresh();
      expect((await page(o)).text).toContain(`href="/portal/subscriptions/${o.c.subscriptionId}/pause"`);
      const form = await page(o, '/pause');
      expect(form.status).toBe(200);
      expect(form.text).toContain('type="date"');
      expect(form.text).toContain('value="indefinitely"'); // no maximum set

      const resumeOn = new Date(t.clock.now().getTime() + 10 * DAY).toISOString().slice(0, 10);
      const res = await post(o, 'pause', { mode: 'until', resumeOn });
      expect(res.status).toBe(303);
      expect(res.headers.location).toContain('?done=paused');
      const paused = await row(o.c.subscriptionId);
      expect(paused.status).toBe('paused');
      expect(paused.resume_at?.toISOString()).toBe(`${resumeOn}T00:00:00.000Z`);
      const shown = await page(o);
      expect(shown.text).toContain('Paused until');
      expect(shown.text).toContain(`action="/portal/subscriptions/${o.c.subscriptionId}/unpause"`);
      expect(shown.text).not.toContain(`/portal/subscriptions/${o.c.subscriptionId}/pause"`);

      t.clock.advance(20 * 60 * 1000); // 20 minutes paused, within the session's idle limit
      const resumed = await post(o, 'unpause');
      expect(resumed.status).toBe(303);
      expect(resumed.headers.location).toContain('?done=resumed');
      const active = await row(o.c.subscriptionId);
      expect(active.status).toBe('active');
      expect(active.current_period_end.getTime() - paused.current_period_end.getTime()).toBe(20 * 60 * 1000);
      const log = await trail(o.c.subscriptionId);
      expect(log.audits).toEqual(['subscription.pause', 'subscription.resume']);
      expect(log.events.map((e) => e.type)).toEqual(['subscription.paused', 'subscription.resumed']);
      expect(log.events.every((e) => e.data.initiated_by === 'customer_portal')).toBe(true);
    });

    it('pauses indefinitely when no maximum is set', async () => {
      const o = await fresh();
      expect((await post(o, 'pause', { mode: 'indefinitely' })).status).toBe(303);
      expect(await row(o.c.subscriptionId)).toMatchObject({ status: 'paused', resume_at: null });
    });

    it('refuses dates in the past, beyond the maximum, and an indefinite pause when a maximum is set', async () => {
      const limited = await shop('Limited Pause', { portalSettings: { pause: true, maxPauseDays: 30 } });
      const o = await fresh(limited);
      const form = await page(o, '/pause');
      expect(form.text).not.toContain('value="indefinitely"');
      expect(form.text).toContain('at most 30 days');
      const day = (d: number) => new Date(t.clock.now().getTime() + d * DAY).toISOString().slice(0, 10);
      const past = await post(o, 'pause', { mode: 'until', resumeOn: day(-1) });
      expect(past.status).toBe(422);
      expect(past.text).toContain('Choose a resume date after today and at most 30 days from today.');
      expect((await post(o, 'pause', { mode: 'until', resumeOn: day(45) })).status).toBe(422);
      const indefinite = await post(o, 'pause', { mode: 'indefinitely' });
      expect(indefinite.status).toBe(422);
      expect(indefinite.text).toContain('Pausing indefinitely is not offered');
      expect((await post(o, 'pause', { mode: 'until', resumeOn: '2026-02-30' })).status).toBe(400);
      expect((await post(o, 'pause', { mode: 'until' })).status).toBe(400);
      expect((await row(o.c.subscriptionId)).status).toBe('active');
      expect((await trail(o.c.subscriptionId)).events).toHaveLength(0);
      expect((await post(o, 'pause', { mode: 'until', resumeOn: day(29) })).status).toBe(303);
    });

    it('refuses to pause a canceled subscription', async () => {
      const o = await fresh();
      await m.client.post(`/api/v1/subscriptions/${o.c.subscriptionId}/cancel`, { atPeriodEnd: false });
      const res = await post(o, 'pause', { mode: 'indefinitely' });
      expect(res.status).toBe(422);
      expect((await row(o.c.subscriptionId)).status).toBe('canceled');
      expect((await trail(o.c.subscriptionId)).events.map((e) => e.type)).toEqual(['subscription.canceled']);
    });
  });

  describe('switch plan', () => {
    it('lists the other plans with prices and previews an upgrade with the prorated amount', async () => {
      const o = await fresh();
      const list = await page(o, '/switch');
      expect(list.status).toBe(200);
      expect(list.text).toContain('Pro');
      expect(list.text).toContain('25 USDC');
      expect(list.text).toContain('Basic');
      expect(list.text).not.toContain(`planId=${m.planId}"`);
      const preview = await page(o, `/switch?planId=${proPlan}`);
      expect(preview.status).toBe(200);
      expect(preview.text).toContain('Due now');
      expect(preview.text).toContain('15 USDC'); // at the very start of the period: the full difference
      expect(preview.text).toContain('Confirm switch to Pro');
    });

    it('an upgrade waits for its prorated invoice: the plan stays, the change is pending, the page offers to pay it', async () => {
      const c = await createPortalCustomer(m);
      await activate(m.id, c.subscriptionId);
      t.clock.advance(9 * DAY + 12_345);
      const o = await open(m, c);
      const before = await row(c.subscriptionId);
      const preview = await page(o, `/switch?planId=${proPlan}`);
      expect(preview.text).toContain('Once the invoice for the difference is paid');
      expect(preview.text).toContain('Your plan changes to Pro once that invoice is paid and confirmed on chain');
      const res = await post(o, 'switch', { planId: proPlan });
      expect(res.status).toBe(303);
      expect(res.headers.location).toContain('?done=plan-upgraded');

      const expected = prorateUpgrade({ oldUnitAmount: 10_000_000n, newUnitAmount: 25_000_000n, quantity: 1, periodStart: before.current_period_start, periodEnd: before.current_period_end, now: t.clock.now() }).amount;
      expect(expected).toBeGreaterThan(0n);
      expect(expected).toBeLessThan(15_000_000n);
      const invoices = await upgradeInvoices(c.subscriptionId);
      expect(invoices).toHaveLength(1);
      expect(invoices[0]).toMatchObject({ status: 'open', subtotal: expected.toString(), line_items: [{ kind: 'proration', amount: expected.toString(), planId: proPlan }] });
      const proPrice: { id: string }[] = await db(t).query(`SELECT id FROM price WHERE plan_id = $1`, [proPlan]);
      expect(await row(c.subscriptionId)).toMatchObject({
        plan_id: m.planId,
        price_id: before.price_id,
        pending_plan_id: null,
        status: 'active',
        pending_update_plan_id: proPlan,
        pending_update_price_id: proPrice[0].id,
        pending_update_invoice_id: invoices[0].id,
      });

      const log = await trail(c.subscriptionId);
      expect(log.audits).toEqual(['subscription.upgrade_requested']);
      expect(log.events.map((e) => e.type)).toEqual(['subscription.updated']);
      expect(log.events[0].data).toMatchObject({
        initiated_by: 'customer_portal',
        changes: { before: { planId: m.planId, pendingUpdate: null }, after: { planId: m.planId, pendingUpdate: { planId: proPlan, priceId: proPrice[0].id, invoiceId: invoices[0].id } } },
      });
      const api = (await m.client.get(`/api/v1/subscriptions/${c.subscriptionId}`)).body;
      expect(api).toMatchObject({ planId: m.planId, pendingPlanId: null, pendingUpdate: { planId: proPlan, priceId: proPrice[0].id, invoiceId: invoices[0].id, createdAt: t.clock.now().toISOString() } });

      const shown = await t.http().get(res.headers.location).set('cookie', o.cookie);
      expect(shown.text).toContain('<h1 class="page-title">Starter</h1>');
      expect(shown.text).toContain('Your upgrade takes effect once the invoice for the difference is paid');
      expect(shown.text).toContain(`Upgrade to <strong>Pro</strong> pending payment of invoice <a href="/portal/invoices/${invoices[0].id}">${invoices[0].number}</a>`);
      expect(shown.text).toContain(`<a class="button primary" href="/portal/invoices/${invoices[0].id}#pay">Pay</a>`);
      expect(shown.text).not.toContain(`href="/portal/subscriptions/${c.subscriptionId}/switch"`);
    });

    it('refuses another switch while an upgrade waits for payment, saying which invoice to pay', async () => {
      const o = await fresh();
      expect((await post(o, 'switch', { planId: proPlan })).status).toBe(303);
      const [pending] = await upgradeInvoices(o.c.subscriptionId);
      for (const planId of [basicPlan, proPlan]) {
        const again = await post(o, 'switch', { planId });
        expect(again.status).toBe(422);
        expect(again.text).toContain(`Your upgrade to Pro is waiting for payment of invoice ${pending.number}. Pay it, or let it expire`);
      }
      const form = await page(o, '/switch');
      expect(form.status).toBe(422);
      expect(form.text).toContain('Your upgrade to Pro is waiting for payment');
      expect(await upgradeInvoices(o.c.subscriptionId)).toHaveLength(1);
      expect(await row(o.c.subscriptionId)).toMatchObject({ plan_id: m.planId, pending_plan_id: null, pending_update_invoice_id: pending.id });
      expect((await trail(o.c.subscriptionId)).events.map((e) => e.type)).toEqual(['subscription.updated']);
    });

    it('canceling ends a pending upgrade with the subscription and voids its invoice', async () => {
      const o = await fresh();
      expect((await post(o, 'switch', { planId: proPlan })).status).toBe(303);
      expect((await m.client.post(`/api/v1/subscriptions/${o.c.subscriptionId}/cancel`, { atPeriodEnd: false })).status).toBe(200);
      expect(await row(o.c.subscriptionId)).toMatchObject({ status: 'canceled', plan_id: m.planId, pending_update_plan_id: null, pending_update_invoice_id: null });
      expect((await upgradeInvoices(o.c.subscriptionId))[0].status).toBe('void');
      const canceled = (await trail(o.c.subscriptionId)).events.at(-1);
      expect(canceled).toMatchObject({ type: 'subscription.canceled', data: { changes: { before: { pendingUpdate: { planId: proPlan } }, after: { pendingUpdate: null } } } });
      expect((await page(o)).text).not.toContain('pending payment of invoice');
    });

    it('an upgrade with nothing left to charge applies at once', async () => {
      const c = await createPortalCustomer(m);
      await activate(m.id, c.subscriptionId);
      const { current_period_end: end } = await row(c.subscriptionId);
      t.clock.set(end);
      const o = await open(m, c);
      const res = await post(o, 'switch', { planId: proPlan });
      expect(res.headers.location).toContain('?done=plan-changed');
      expect(await row(c.subscriptionId)).toMatchObject({ plan_id: proPlan, pending_update_plan_id: null });
      expect(await upgradeInvoices(c.subscriptionId)).toHaveLength(0);
      expect((await trail(c.subscriptionId)).audits).toEqual(['subscription.switch_plan']);
    });

    it('schedules a downgrade for the renewal, with nothing due', async () => {
      const o = await fresh();
      const preview = await page(o, `/switch?planId=${basicPlan}`);
      expect(preview.text).toContain('At renewal, on');
      const res = await post(o, 'switch', { planId: basicPlan });
      expect(res.headers.location).toContain('?done=plan-change-scheduled');
      expect(await row(o.c.subscriptionId)).toMatchObject({ plan_id: m.planId, pending_plan_id: basicPlan });
      const invoices: unknown[] = await db(t).query(`SELECT id FROM invoice WHERE subscription_id = $1 AND billing_reason = 'subscription_update'`, [o.c.subscriptionId]);
      expect(invoices).toHaveLength(0);
      expect((await trail(o.c.subscriptionId)).events.map((e) => e.type)).toEqual(['subscription.updated']);
      expect((await page(o)).text).toContain('Changes at renewal to</dt><dd>Basic');
    });

    it('refuses the current plan (422) and another merchant’s plan (404)', async () => {
      const other = await shop('Other Shop');
      const o = await fresh();
      expect((await post(o, 'switch', { planId: m.planId })).status).toBe(422);
      expect((await page(o, `/switch?planId=${m.planId}`)).status).toBe(422);
      expect((await post(o, 'switch', { planId: other.planId })).status).toBe(404);
      expect((await page(o, `/switch?planId=${other.planId}`)).status).toBe(404);
      expect(await row(o.c.subscriptionId)).toMatchObject({ plan_id: m.planId, pending_plan_id: null });
      expect((await trail(o.c.subscriptionId)).events).toHaveLength(0);
    });

    it('offers only the merchant’s allowed plans when a list is set', async () => {
      const picky = await shop('Picky Shop');
      const gold = await createPlan(picky, 'Gold', '30000000');
      const silver = await createPlan(picky, 'Silver', '20000000');
      await picky.client.patch('/api/v1/merchant', { portalSettings: { allowedPlanSwitches: [gold] } });
      const o = await fresh(picky);
      const list = await page(o, '/switch');
      expect(list.text).toContain('Gold');
      expect(list.text).not.toContain('Silver');
      expect((await post(o, 'switch', { planId: silver })).status).toBe(422);
      expect((await post(o, 'switch', { planId: gold })).status).toBe(303);
    });
  });

  describe('refusals', () => {
    it('unknown fields are 400 and change nothing', async () => {
      const o = await fresh();
      expect((await post(o, 'cancel', { merchantId: 'mer_x' })).status).toBe(400);
      const proto = await t
        .http()
        .post(`/portal/subscriptions/${o.c.subscriptionId}/cancel`)
        .set('cookie', o.cookie)
        .type('form')
        .send(`_csrf=${encodeURIComponent(o.csrf)}&__proto__=x&reason=Other`);
      expect(proto.status).toBe(400);
      expect((await post(o, 'switch', { planId: proPlan, merchantId: 'mer_x' })).status).toBe(400);
      expect((await post(o, 'pause', { mode: 'indefinitely', extra: '1' })).status).toBe(400);
      expect(await row(o.c.subscriptionId)).toMatchObject({ status: 'active', cancel_at_period_end: false, plan_id: m.planId });
      expect((await trail(o.c.subscriptionId)).events).toHaveLength(0);
    });

    it('a missing or wrong CSRF token is 403', async () => {
      const o = await fresh();
      for (const action of ['cancel', 'resume', 'pause', 'unpause', 'switch']) {
        expect((await post(o, action, { planId: proPlan }, false)).status).toBe(403);
      }
      expect((await post(o, 'cancel', { _csrf: 'nope' })).status).toBe(403);
      expect((await trail(o.c.subscriptionId)).events).toHaveLength(0);
    });

    it('GET on the POST-only routes changes nothing', async () => {
      const o = await fresh();
      await post(o, 'cancel', {});
      for (const path of ['/resume', '/unpause']) expect([404, 405]).toContain((await page(o, path)).status);
      expect((await row(o.c.subscriptionId)).cancel_at_period_end).toBe(true);
      expect((await trail(o.c.subscriptionId)).events).toHaveLength(1);
    });

    it('another customer’s subscription is not found', async () => {
      const mine = await fresh();
      const theirs = await fresh();
      const res = await t
        .http()
        .post(`/portal/subscriptions/${theirs.c.subscriptionId}/cancel`)
        .set('cookie', mine.cookie)
        .type('form')
        .send({ _csrf: mine.csrf });
      expect(res.status).toBe(404);
      expect((await t.http().get(`/portal/subscriptions/${theirs.c.subscriptionId}/cancel`).set('cookie', mine.cookie)).status).toBe(404);
      expect((await row(theirs.c.subscriptionId)).cancel_at_period_end).toBe(false);
    });

    it('with the settings off the buttons are absent and the POSTs are 403', async () => {
      const off = await shop('Locked Shop', { portalSettings: { cancel: false, pause: false, switchPlan: false } });
      await createPlan(off, 'Pro', '25000000');
      const o = await fresh(off);
      const shown = await page(o);
      expect(shown.text).not.toContain('Manage subscription');
      expect(shown.text).not.toContain('/cancel"');
      for (const path of ['/cancel', '/pause', '/switch']) expect((await page(o, path)).status).toBe(403);
      expect((await post(o, 'cancel', {})).status).toBe(403);
      expect((await post(o, 'pause', { mode: 'indefinitely' })).status).toBe(403);
      expect((await post(o, 'switch', { planId: m.planId })).status).toBe(403);
      expect((await trail(o.c.subscriptionId)).events).toHaveLength(0);
    });

    it('a read-only link cannot manage the subscription', async () => {
      const o = await fresh(m, { scopes: ['read'] });
      const shown = await page(o);
      expect(shown.status).toBe(200);
      expect(shown.text).not.toContain('Manage subscription');
      expect((await post(o, 'cancel', {})).status).toBe(403);
      expect((await post(o, 'pause', { mode: 'indefinitely' })).status).toBe(403);
      expect((await post(o, 'switch', { planId: proPlan })).status).toBe(403);
      expect((await row(o.c.subscriptionId)).status).toBe('active');
    });

    it('the full set of buttons appears for a manage link on an active subscription', async () => {
      const o = await fresh();
      const shown = await page(o);
      for (const path of ['/switch"', '/pause"', '/cancel"']) expect(shown.text).toContain(`/portal/subscriptions/${o.c.subscriptionId}${path}`);
      expect(shown.text).not.toContain('/unpause"');
      expect(shown.text).not.toContain('/resume"');
    });
  });
});
