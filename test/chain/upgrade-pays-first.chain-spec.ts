import { randomBytes } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import { BILLING_ACTOR } from '../../src/billing/billing.jobs';
import { InvoiceExpiryService } from '../../src/billing/invoice-expiry.service';
import { AppConfig } from '../../src/config/app-config';
import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { Db } from '../../src/database/db.service';
import { WorkerModule } from '../../src/worker.module';
import { FakeClock } from '../fakes/clock';
import { devAccount, fundAccount, payInvoice } from '../support/anvil';
import { chainTestbed, type ChainTestbed } from '../support/chain-app';
import { createPlan, createPortalCustomer, createPortalMerchant, csrfFrom, openPortal, type PortalCustomer, type PortalMerchant } from '../support/portal';

// An upgrade that charges a proration keeps the current plan until its invoice is paid and
// confirmed on chain; if the invoice runs out unpaid the pending change is dropped.

interface Upgrade {
  m: PortalMerchant;
  c: PortalCustomer;
  pro: string;
  proPrice: string;
  cookie: string;
  invoice: { id: string; number: string; status: string; chainId: number; token: string; payTo: string; amountDue: string; amountRemaining?: string; expiresAt: string };
}

interface Event {
  type: string;
  data: { initiated_by: string; changes: { before: Record<string, unknown>; after: Record<string, unknown> } | null };
}

describe('upgrades pay first (anvil)', () => {
  let bed: ChainTestbed;
  let worker: TestingModule;

  beforeAll(async () => {
    bed = await chainTestbed({ clock: new FakeClock() });
    // The worker's own composition root, compiled but not started: its expiry service runs on the
    // same database and clock while no queue consumer runs behind the test's back.
    worker = await Test.createTestingModule({ imports: [WorkerModule.forRoot({ env: bed.t.app.get(AppConfig).env, clock: bed.t.clock })] }).compile();
    const payer = await devAccount(bed.chain.url, 1);
    await fundAccount(bed.chain.url, DEVNET_TOKEN_ADDRESS, payer, 1_000_000_000n);
    // Padding so the reorg below never reaches back to the funding blocks.
    await bed.chain.mine(10);
    await bed.tick();
  });

  afterAll(async () => {
    await worker?.close();
    await bed?.close();
  });

  // Invoices are issued at the clock's time and paid in blocks stamped with the wall clock.
  beforeEach(() => bed.t.clock.set(new Date()));

  const subscription = async (u: Upgrade) => (await u.m.client.get(`/api/v1/subscriptions/${u.c.subscriptionId}`).expect(200)).body;
  const invoice = async (u: Upgrade) => (await u.m.client.get(`/api/v1/invoices/${u.invoice.id}`).expect(200)).body;
  const portalPage = (u: Upgrade, cookie = u.cookie) => bed.t.http().get(`/portal/subscriptions/${u.c.subscriptionId}`).set('cookie', cookie);

  function events(subscriptionId: string): Promise<Event[]> {
    return bed.ds.query(
      `SELECT type, data FROM outbox_event WHERE data->'object'->>'id' = $1 AND type LIKE 'subscription.%' AND type <> 'subscription.created' ORDER BY created_at, id`,
      [subscriptionId],
    );
  }

  function audits(subscriptionId: string): Promise<{ action: string; actor_id: string }[]> {
    return bed.ds.query(
      `SELECT action, actor_id FROM audit_event WHERE target_id = $1 AND action NOT IN ('subscription.create', 'subscription.first_invoice_paid') ORDER BY created_at, id`,
      [subscriptionId],
    );
  }

  // An active Starter subscription (first invoice paid on chain), then an upgrade to Pro asked for in the portal.
  async function upgradeRequested(): Promise<Upgrade> {
    const m = await createPortalMerchant(bed.t, { name: 'Upgrade Shop', patch: { receivingAddresses: { '31337': `0x${randomBytes(20).toString('hex')}` } } });
    const pro = await createPlan(m, 'Pro', '25000000');
    const c = await createPortalCustomer(m);
    const first = (await m.client.get(`/api/v1/invoices/${c.invoiceId}`).expect(200)).body;
    await payInvoice(bed.chain.url, first, 1);
    await bed.chain.mine(3);
    await bed.tick();
    expect((await m.client.get(`/api/v1/subscriptions/${c.subscriptionId}`)).body).toMatchObject({ status: 'active', planId: m.planId });

    const session = await openPortal(bed.t, m, c.id);
    const page = await bed.t.http().get(`/portal/subscriptions/${c.subscriptionId}`).set('cookie', session.cookie);
    const res = await bed.t
      .http()
      .post(`/portal/subscriptions/${c.subscriptionId}/switch`)
      .set('cookie', session.cookie)
      .set('sec-fetch-site', 'same-origin')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), planId: pro });
    expect(res.status).toBe(303);
    expect(res.headers.location).toContain('?done=plan-upgraded');
    const sub = (await m.client.get(`/api/v1/subscriptions/${c.subscriptionId}`)).body;
    const proPrice = (await m.client.get(`/api/v1/plans/${pro}`)).body.prices[0].id;
    expect(sub).toMatchObject({ planId: m.planId, pendingUpdate: { planId: pro, priceId: proPrice } });
    const pending = (await m.client.get(`/api/v1/invoices/${sub.pendingUpdate.invoiceId}`).expect(200)).body;
    expect(pending).toMatchObject({ status: 'open', billingReason: 'subscription_update' });
    return { m, c, pro, proPrice, cookie: session.cookie, invoice: pending };
  }

  it('applies the plan only once the proration invoice is paid and confirmed on chain', async () => {
    const u = await upgradeRequested();
    const shown = await portalPage(u);
    expect(shown.text).toContain(`Upgrade to <strong>Pro</strong> pending payment of invoice <a href="/portal/invoices/${u.invoice.id}">${u.invoice.number}</a>`);
    expect(shown.text).toContain(`href="/portal/invoices/${u.invoice.id}#pay">Pay</a>`);

    await payInvoice(bed.chain.url, u.invoice, 1);
    await bed.tick();
    // Seen but not yet at the chain's depth: nothing changes.
    expect((await invoice(u)).status).toBe('open');
    expect(await subscription(u)).toMatchObject({ planId: u.m.planId, pendingUpdate: { invoiceId: u.invoice.id } });

    await bed.chain.mine(3);
    await bed.tick();
    expect((await invoice(u)).status).toBe('paid');
    const sub = await subscription(u);
    expect(sub).toMatchObject({ status: 'active', planId: u.pro, priceId: u.proPrice, pendingUpdate: null, pendingPlanId: null });

    const log = await events(u.c.subscriptionId);
    expect(log.map((e) => e.type)).toEqual(['subscription.activated', 'subscription.updated', 'subscription.updated']);
    expect(log[2].data).toMatchObject({
      initiated_by: 'system',
      changes: { before: { planId: u.m.planId, pendingUpdate: { planId: u.pro, invoiceId: u.invoice.id } }, after: { planId: u.pro, pendingUpdate: null } },
    });
    expect(await audits(u.c.subscriptionId)).toEqual([
      { action: 'subscription.upgrade_requested', actor_id: expect.any(String) },
      { action: 'subscription.upgrade_paid', actor_id: 'reconciler' },
    ]);

    // Later ticks (and the payment turning final) apply nothing twice.
    await bed.chain.mine(12);
    await bed.tick();
    await bed.tick();
    expect(await events(u.c.subscriptionId)).toHaveLength(3);
    const after = await portalPage(u);
    expect(after.text).toContain('<h1 class="page-title">Pro</h1>');
    expect(after.text).not.toContain('pending payment of invoice');
  });

  it('drops the pending change when the invoice expires unpaid; a late payment within its period still buys it', async () => {
    const u = await upgradeRequested();
    const expiry = worker.get(InvoiceExpiryService);
    const tenant = { merchantId: u.m.id, livemode: false };
    const expire = () => worker.get(Db).transaction(() => expiry.expire(tenant, BILLING_ACTOR, u.invoice.id, bed.t.clock.now()));

    expect(await expire()).toBe(false); // not due yet
    bed.t.clock.set(new Date(Date.parse(u.invoice.expiresAt) + 1000));
    expect(await expire()).toBe(true);
    expect(await expire()).toBe(false);
    expect((await invoice(u)).status).toBe('expired');
    expect(await subscription(u)).toMatchObject({ status: 'active', planId: u.m.planId, pendingUpdate: null });
    const log = await events(u.c.subscriptionId);
    expect(log.map((e) => e.type)).toEqual(['subscription.activated', 'subscription.updated', 'subscription.pending_update_expired']);
    expect(log[2].data).toMatchObject({ initiated_by: 'system', changes: { before: { pendingUpdate: { invoiceId: u.invoice.id } }, after: { planId: u.m.planId, pendingUpdate: null } } });
    expect((await audits(u.c.subscriptionId)).map((a) => [a.action, a.actor_id])).toEqual([
      ['subscription.upgrade_requested', expect.any(String)],
      ['subscription.upgrade_expired', 'billing-sweeper'],
    ]);

    const later = await openPortal(bed.t, u.m, u.c.id);
    const page = await portalPage(u, later.cookie);
    expect(page.text).toContain('<h1 class="page-title">Starter</h1>');
    expect(page.text).not.toContain('pending payment of invoice');
    expect(page.text).toContain(`href="/portal/subscriptions/${u.c.subscriptionId}/switch"`);

    // The amount tag is held through the monitoring window, so a late payment still lands on this
    // invoice: the customer paid the exact difference for this period, and gets the plan.
    await payInvoice(bed.chain.url, u.invoice, 1);
    await bed.chain.mine(3);
    await bed.tick();
    expect((await invoice(u)).status).toBe('paid');
    expect(await subscription(u)).toMatchObject({ planId: u.pro, priceId: u.proPrice, pendingUpdate: null });
    expect((await events(u.c.subscriptionId)).map((e) => e.type)).toEqual(['subscription.activated', 'subscription.updated', 'subscription.pending_update_expired', 'subscription.updated']);
  });

  it('a reorg that undoes the upgrade payment makes the subscription past due, never a free upgrade', async () => {
    const u = await upgradeRequested();
    await bed.chain.mine(2);
    await payInvoice(bed.chain.url, u.invoice, 1);
    await bed.chain.mine(3);
    await bed.tick();
    expect(await subscription(u)).toMatchObject({ status: 'active', planId: u.pro });

    await bed.chain.reorg(5, []);
    await bed.tick();
    expect((await invoice(u)).status).toBe('open');
    const reversed = await subscription(u);
    expect(reversed).toMatchObject({ status: 'past_due', planId: u.pro });
    expect(reversed.graceUntil).not.toBeNull();

    // Paid again: active for the same period; the upgrade is not applied a second time.
    await payInvoice(bed.chain.url, { ...u.invoice, amountRemaining: u.invoice.amountDue }, 1);
    await bed.chain.mine(3);
    await bed.tick();
    expect(await subscription(u)).toMatchObject({ status: 'active', planId: u.pro, currentPeriodEnd: reversed.currentPeriodEnd });
    expect((await events(u.c.subscriptionId)).map((e) => e.type)).toEqual(['subscription.activated', 'subscription.updated', 'subscription.updated', 'subscription.past_due', 'subscription.activated']);
  });
});
