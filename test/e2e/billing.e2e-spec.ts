import { DataSource } from 'typeorm';
import { api, createMerchant, createTestApp, freshAddress, type TestApp, type TestMerchant } from '../app';
import { activateSubscription } from '../factories';

const USDC = 'asset_31337_0x5fbdb2315678afecb367f032d93f642f64180aa3';
const ETH = 'asset_31337_native';

describe('plans, subscriptions and invoices', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  async function merchantWithPlan(options: { prices?: { assetId: string; amount: string }[] } = {}) {
    const m = await createMerchant(t);
    const client = api(t, m.key);
    // Its own address (one merchant per address), sent lower-case: it is stored checksummed.
    const payTo = freshAddress();
    await client.patch('/api/v1/merchant', { receivingAddresses: { '31337': payTo.toLowerCase() } }).expect(200);
    const plan = await client.post('/api/v1/plans', {
      name: 'Starter',
      interval: { unit: 'month', count: 1 },
      prices: options.prices ?? [{ assetId: USDC, amount: '10000000' }],
    });
    expect(plan.status).toBe(201);
    const customer = await client.post('/api/v1/customers', { email: `c${Date.now()}@example.com` });
    return { m, client, plan: plan.body, customer: customer.body, payTo };
  }

  it('lists the assets of the key mode', async () => {
    const m = await createMerchant(t);
    const res = await api(t, m.key).get('/api/v1/assets').expect(200);
    expect(res.body.data.map((a: { id: string }) => a.id).sort()).toEqual([ETH, USDC].sort());
  });

  it('creates a plan with prices in base units as strings', async () => {
    const { plan } = await merchantWithPlan({ prices: [{ assetId: USDC, amount: '10000000' }, { assetId: ETH, amount: '5000000000000000' }] });
    expect(plan).toMatchObject({ object: 'plan', name: 'Starter', interval: { unit: 'month', count: 1 }, active: true });
    expect(plan.prices.map((p: { amount: string }) => p.amount).sort()).toEqual(['10000000', '5000000000000000']);
  });

  it('refuses an unknown asset, a float amount and a live-chain mismatch', async () => {
    const m = await createMerchant(t);
    const client = api(t, m.key);
    const unknown = await client.post('/api/v1/plans', { name: 'X', interval: { unit: 'month', count: 1 }, prices: [{ assetId: 'asset_1_native', amount: '1' }] });
    expect(unknown.status).toBe(400);
    const float = await client.post('/api/v1/plans', { name: 'X', interval: { unit: 'month', count: 1 }, prices: [{ assetId: USDC, amount: '10.5' }] });
    expect(float.status).toBe(400);
    const live = await createMerchant(t, { livemode: true });
    const mismatch = await api(t, live.key).post('/api/v1/plans', { name: 'X', interval: { unit: 'month', count: 1 }, prices: [{ assetId: USDC, amount: '1' }] });
    expect(mismatch.status).toBe(422);
  });

  it('creating a subscription issues its first invoice with an amount tag', async () => {
    const { client, plan, customer, payTo } = await merchantWithPlan();
    const res = await client.post('/api/v1/subscriptions', { customerId: customer.id, planId: plan.id, quantity: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ object: 'subscription', status: 'incomplete', quantity: 2, assetId: USDC });
    const invoice = res.body.latestInvoice;
    expect(invoice).toMatchObject({ status: 'open', subtotal: '20000000', payTo, chainId: 31337, billingReason: 'subscription_create' });
    expect(BigInt(invoice.amountDue)).toBe(20000000n + BigInt(invoice.tag));
    expect(invoice.tag).toBeGreaterThanOrEqual(1);

    const fetched = await client.get(`/api/v1/invoices/${invoice.id}`).expect(200);
    expect(fetched.body.amountDue).toBe(invoice.amountDue);
    const listed = await client.get(`/api/v1/invoices?subscriptionId=${res.body.id}`).expect(200);
    expect(listed.body.data.map((i: { id: string }) => i.id)).toEqual([invoice.id]);
  });

  it('gives concurrent invoices on one address distinct exact amounts', async () => {
    const { client, plan } = await merchantWithPlan();
    const customers = await Promise.all(Array.from({ length: 6 }, (_, i) => client.post('/api/v1/customers', { email: `p${i}@example.com` })));
    const subs = await Promise.all(customers.map((c) => client.post('/api/v1/subscriptions', { customerId: c.body.id, planId: plan.id })));
    expect(subs.map((s) => s.status)).toEqual(Array(6).fill(201));
    const amounts = subs.map((s) => s.body.latestInvoice.amountDue);
    expect(new Set(amounts).size).toBe(6);
  });

  it('requires a receiving address for the chain', async () => {
    const m = await createMerchant(t);
    const client = api(t, m.key);
    const plan = await client.post('/api/v1/plans', { name: 'P', interval: { unit: 'week', count: 1 }, prices: [{ assetId: ETH, amount: '1000' }] });
    const customer = await client.post('/api/v1/customers', { email: 'x@example.com' });
    const res = await client.post('/api/v1/subscriptions', { customerId: customer.body.id, planId: plan.body.id });
    expect(res.status).toBe(422);
    const subs = await client.get('/api/v1/subscriptions').expect(200);
    expect(subs.body.data).toHaveLength(0);
  });

  it('asks for the asset when a plan has several prices', async () => {
    const { client, plan, customer } = await merchantWithPlan({ prices: [{ assetId: USDC, amount: '1' }, { assetId: ETH, amount: '2' }] });
    const res = await client.post('/api/v1/subscriptions', { customerId: customer.id, planId: plan.id });
    expect(res.status).toBe(400);
    const ok = await client.post('/api/v1/subscriptions', { customerId: customer.id, planId: plan.id, assetId: ETH });
    expect(ok.status).toBe(201);
    expect(ok.body.latestInvoice.token).toBe('native');
  });

  it('cancels an incomplete subscription at once and voids its invoice, keeping its exact amount reserved', async () => {
    const { client, plan, customer } = await merchantWithPlan();
    const sub = await client.post('/api/v1/subscriptions', { customerId: customer.id, planId: plan.id });
    const canceled = await client.post(`/api/v1/subscriptions/${sub.body.id}/cancel`, { reason: 'changed my mind' });
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ status: 'canceled', cancellationReason: 'changed my mind' });
    const invoice = await client.get(`/api/v1/invoices/${sub.body.latestInvoice.id}`).expect(200);
    expect(invoice.body.status).toBe('void');
    const again = await client.post(`/api/v1/subscriptions/${sub.body.id}/cancel`, {});
    expect(again.status).toBe(422);
    expect(again.body.error.code).toBe('illegal_transition');
    // A payment of the void invoice may still arrive: its exact amount is not handed to the next
    // invoice at the same price until the monitoring window closes (it would become credit).
    const next = await client.post('/api/v1/subscriptions', { customerId: customer.id, planId: plan.id });
    expect(next.body.latestInvoice.amountDue).not.toBe(sub.body.latestInvoice.amountDue);
    expect((await client.get(`/api/v1/invoices/${sub.body.latestInvoice.id}`)).body.status).toBe('void');
  });

  it('schedules cancellation at period end for an active subscription, with one audit row and one event', async () => {
    const { m, client, plan, customer } = await merchantWithPlan();
    const sub = await client.post('/api/v1/subscriptions', { customerId: customer.id, planId: plan.id });
    await activate(t, m, sub.body.id);
    const res = await client.post(`/api/v1/subscriptions/${sub.body.id}/cancel`, { atPeriodEnd: true, reason: 'Too expensive' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, cancellationReason: 'Too expensive' });
    const ds = t.app.get(DataSource);
    const events = await ds.query(`SELECT type, data FROM outbox_event WHERE merchant_id = $1 AND type = 'subscription.cancellation_scheduled'`, [m.merchant.id]);
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ initiated_by: 'merchant_api', changes: { before: { cancelAtPeriodEnd: false }, after: { cancelAtPeriodEnd: true } } });
    const audits = await ds.query(`SELECT action FROM audit_event WHERE merchant_id = $1 AND target_id = $2 ORDER BY created_at`, [m.merchant.id, sub.body.id]);
    expect(audits.map((a: { action: string }) => a.action)).toEqual(['subscription.create', 'subscription.first_invoice_paid', 'subscription.cancel_at_period_end']);
  });

  it('paginates subscriptions newest first with startingAfter', async () => {
    const { client, plan, customer } = await merchantWithPlan();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client.post('/api/v1/subscriptions', { customerId: customer.id, planId: plan.id })).body.id);
    const first = await client.get('/api/v1/subscriptions?limit=2').expect(200);
    expect(first.body.hasMore).toBe(true);
    const second = await client.get(`/api/v1/subscriptions?limit=2&startingAfter=${first.body.data[1].id}`).expect(200);
    expect(second.body.hasMore).toBe(false);
    const all = [...first.body.data, ...second.body.data].map((s: { id: string }) => s.id);
    expect(all.sort()).toEqual(ids.sort());
  });
});

// Payment reconciliation is covered by the chain suites; here the lifecycle path is driven directly.
function activate(t: TestApp, m: TestMerchant, subscriptionId: string): Promise<void> {
  return activateSubscription(t, m, subscriptionId, t.clock.now());
}
