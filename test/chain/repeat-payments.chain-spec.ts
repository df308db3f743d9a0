import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { InvoiceLifecycleService } from '../../src/invoices/invoice-lifecycle.service';
import { createMerchant } from '../app';
import { devAccount, fundAccount, payInvoice } from '../support/anvil';
import { billedCustomer, chainTestbed, USDC, type ChainTestbed } from '../support/chain-app';
import { mintPortalLink } from '../factories';
import { exchange } from '../support/portal';

const HOUR = 3_600_000;

// A paid amount never pays someone else's invoice: a repeat of a paid invoice's exact amount is
// that customer's credit, the tag is not handed on while a repeat is plausible, and credit pays
// the customer's next invoice first.
describe('repeat payments, held tags and credit (anvil)', () => {
  let bed: ChainTestbed;

  beforeAll(async () => {
    bed = await chainTestbed();
    await fundAccount(bed.chain.url, DEVNET_TOKEN_ADDRESS, await devAccount(bed.chain.url, 1), 1_000_000_000n);
    await bed.chain.mine(2);
    await bed.tick();
  });

  afterAll(async () => {
    await bed.close();
  });

  async function settle(): Promise<void> {
    await bed.chain.mine(3);
    await bed.tick();
  }

  const credit = async (customerId: string): Promise<string | undefined> => (await bed.ds.query(`SELECT amount FROM customer_credit WHERE customer_id = $1 AND asset_id = $2`, [customerId, USDC]))[0]?.amount;

  it('credits the same amount paid twice to its payer and keeps the tag from the next customer until the window closes', async () => {
    const m = await createMerchant(bed.t);
    const b = await billedCustomer(bed.t, m, { amount: '10000000' });
    await payInvoice(bed.chain.url, b.invoice, 1);
    await settle();
    expect((await b.client.get(`/api/v1/invoices/${b.invoice.id}`)).body.status).toBe('paid');

    // The customer's wallet app sends it again.
    await payInvoice(bed.chain.url, { ...b.invoice, status: undefined }, 1);
    await settle();
    const invoice = (await b.client.get(`/api/v1/invoices/${b.invoice.id}`)).body;
    expect(invoice).toMatchObject({ status: 'paid', amountConfirmed: (2n * BigInt(b.invoice.amountDue)).toString() });
    const rows = await bed.ds.query(`SELECT matched_by, flags FROM payment WHERE invoice_id = $1 ORDER BY block_number`, [b.invoice.id]);
    expect(rows).toEqual([
      { matched_by: 'amount', flags: [] },
      { matched_by: 'amount', flags: ['repeat_payment'] },
    ]);
    expect(await credit(b.customer.id)).toBe(b.invoice.amountDue);
    // The event PostgreSQL built for the repeat carries the same view the API serves (at detection time).
    const [repeat] = await bed.ds.query(`SELECT id FROM payment WHERE invoice_id = $1 AND 'repeat_payment' = ANY(flags)`, [b.invoice.id]);
    const [event] = await bed.ds.query(`SELECT type, data FROM outbox_event WHERE merchant_id = $1 AND data->'object'->>'id' = $2`, [m.merchant.id, repeat.id]);
    const served = (await b.client.get(`/api/v1/payments/${repeat.id}`)).body;
    expect(event.type).toBe('payment.detected');
    expect(event.data).toEqual({ object: { ...served, state: 'seen' }, initiated_by: 'system', changes: { before: null, after: { state: 'seen' } } });
    const events = await bed.ds.query(`SELECT type FROM outbox_event WHERE merchant_id = $1 AND type = 'invoice.overpaid'`, [m.merchant.id]);
    expect(events).toHaveLength(1);

    // Another customer of the same price meanwhile gets another exact amount.
    const d = await billedCustomer(bed.t, m, { amount: '10000000' });
    expect(d.invoice.amountDue).not.toBe(b.invoice.amountDue);

    // Once the monitoring window after payment has closed, the amount goes back to the pool.
    const [{ monitor_until: monitorUntil }] = await bed.ds.query(`SELECT monitor_until FROM invoice WHERE id = $1`, [b.invoice.id]);
    const lifecycle = bed.t.app.get(InvoiceLifecycleService);
    const held = async () => (await bed.ds.query(`SELECT tag_held FROM invoice WHERE id = $1`, [b.invoice.id]))[0].tag_held as boolean;
    // Other suites share this database: release everything due, then look at B's invoice only.
    while ((await lifecycle.releaseTags(new Date((monitorUntil as Date).getTime() - 1), 1000)) > 0);
    expect(await held()).toBe(true);
    bed.t.clock.set(new Date((monitorUntil as Date).getTime() + HOUR));
    while ((await lifecycle.releaseTags(bed.t.clock.now(), 1000)) > 0);
    expect(await held()).toBe(false);
    const e = await billedCustomer(bed.t, m, { amount: '10000000' });
    expect(e.invoice.amountDue).toBe(b.invoice.amountDue);
  });

  it("pays the customer's next invoice from credit first, with a credit line", async () => {
    const m = await createMerchant(bed.t);
    const c = await billedCustomer(bed.t, m, { amount: '10000000' });
    // Overpaid by 4 USDC from a wallet app that rounds up.
    await payInvoice(bed.chain.url, { ...c.invoice, amountRemaining: (BigInt(c.invoice.amountDue) + 4_000_000n).toString() }, 1);
    await settle();
    // Not an exact tag amount and no bound wallet: the merchant assigns it.
    const [{ id: paymentId }] = await bed.ds.query(`SELECT id FROM payment WHERE to_address = $1 AND invoice_id IS NULL`, [c.invoice.payTo]);
    expect((await c.client.post(`/api/v1/payments/${paymentId}/assign`, { invoiceId: c.invoice.id })).status).toBe(200);
    expect(await credit(c.customer.id)).toBe('4000000');

    const next = await c.client.post('/api/v1/subscriptions', { customerId: c.customer.id, planId: c.plan.id });
    expect(next.status).toBe(201);
    const invoice = next.body.latestInvoice;
    expect(invoice.subtotal).toBe('6000000');
    expect(invoice.lineItems).toEqual([expect.objectContaining({ kind: 'plan', amount: '10000000' }), expect.objectContaining({ kind: 'credit', description: 'Credit applied', amount: '-4000000' })]);
    expect(BigInt(invoice.amountDue) - BigInt(invoice.subtotal)).toBe(BigInt(invoice.tag));
    expect(await credit(c.customer.id)).toBe('0');

    // Credit that covers a whole invoice pays it: nothing due, settled paid on the next tick.
    await payInvoice(bed.chain.url, { ...invoice, amountRemaining: (BigInt(invoice.amountDue) + 20_000_000n).toString() }, 1);
    await settle();
    const [{ id: overId }] = await bed.ds.query(`SELECT id FROM payment WHERE to_address = $1 AND invoice_id IS NULL`, [c.invoice.payTo]);
    await c.client.post(`/api/v1/payments/${overId}/assign`, { invoiceId: invoice.id }).expect(200);
    expect(await credit(c.customer.id)).toBe('20000000');
    const covered = await c.client.post('/api/v1/subscriptions', { customerId: c.customer.id, planId: c.plan.id });
    expect(covered.body.latestInvoice).toMatchObject({ subtotal: '0', amountDue: '0', tag: 0 });
    await bed.tick();
    expect((await c.client.get(`/api/v1/invoices/${covered.body.latestInvoice.id}`)).body.status).toBe('paid');
    expect((await c.client.get(`/api/v1/subscriptions/${covered.body.id}`)).body.status).toBe('active');
    expect(await credit(c.customer.id)).toBe('10000000');

    // The customer sees what is left in the portal.
    const session = await exchange(bed.t, (await mintPortalLink(bed.t, c.merchant, c.customer.id)).token);
    const overview = await bed.t.http().get('/portal').set('cookie', session.cookie);
    expect(overview.status).toBe(200);
    expect(overview.text).toContain('Account credit: <strong>10 USDC</strong>');
  });
});
