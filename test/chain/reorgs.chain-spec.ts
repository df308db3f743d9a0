import { getAddress } from 'viem';
import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { devAccount, fundAccount, payInvoice } from '../support/anvil';
import { api } from '../app';
import { billedCustomer, chainTestbed, ETH, type ChainTestbed } from '../support/chain-app';

describe('reorgs and catch-up (anvil)', () => {
  let bed: ChainTestbed;
  let payer: `0x${string}`;

  beforeAll(async () => {
    bed = await chainTestbed();
    payer = await devAccount(bed.chain.url, 1);
    await fundAccount(bed.chain.url, DEVNET_TOKEN_ADDRESS, payer, 10_000_000_000n);
    // Padding so no reorg below reaches back to the funding blocks.
    await bed.chain.mine(10);
    await bed.tick();
  });

  afterAll(async () => {
    await bed.close();
  });

  const payments = (invoiceId: string) => bed.ds.query(`SELECT state, block_hash FROM payment WHERE invoice_id = $1 ORDER BY created_at`, [invoiceId]);
  const invoice = async (client: ReturnType<typeof api>, id: string) => (await client.get(`/api/v1/invoices/${id}`)).body;

  it('orphans a payment dropped by a reorg before confirmation; the invoice stays open', async () => {
    const { client, invoice: inv } = await billedCustomer(bed.t);
    await payInvoice(bed.chain.url, inv, 1);
    await bed.tick();
    expect((await payments(inv.id)).map((p: { state: string }) => p.state)).toEqual(['seen']);
    await bed.chain.reorg(2, []);
    await bed.tick();
    expect((await payments(inv.id)).map((p: { state: string }) => p.state)).toEqual(['orphaned']);
    expect((await invoice(client, inv.id)).status).toBe('open');
    const metrics = (await bed.t.http().get('/metrics')).text;
    expect(metrics).toMatch(/billfold_chain_scan\{chain="31337",measure="reorgs_total"\} [1-9]/);
  });

  it('reverses a confirmed payment: invoice reopened, subscription past_due with grace, payment.reversed sent', async () => {
    const { client, invoice: inv, subscription, merchant } = await billedCustomer(bed.t);
    await bed.chain.mine(2);
    await payInvoice(bed.chain.url, inv, 1);
    await bed.chain.mine(3);
    await bed.tick();
    expect((await invoice(client, inv.id)).status).toBe('paid');
    expect((await client.get(`/api/v1/subscriptions/${subscription.id}`)).body.status).toBe('active');

    await bed.chain.reorg(5, []);
    await bed.tick();
    expect((await payments(inv.id)).map((p: { state: string }) => p.state)).toEqual(['orphaned']);
    expect((await invoice(client, inv.id)).status).toBe('open');
    const sub = (await client.get(`/api/v1/subscriptions/${subscription.id}`)).body;
    expect(sub.status).toBe('past_due');
    expect(sub.graceUntil).not.toBeNull();
    const types = (await bed.ds.query(`SELECT type FROM outbox_event WHERE merchant_id = $1`, [merchant.merchant.id])).map((r: { type: string }) => r.type);
    expect(types).toEqual(expect.arrayContaining(['payment.reversed', 'invoice.reopened', 'subscription.past_due']));

    // Paid again: back to active for the same period, not an extra one.
    await payInvoice(bed.chain.url, { ...inv, amountRemaining: inv.amountDue }, 1);
    await bed.chain.mine(3);
    await bed.tick();
    const restored = (await client.get(`/api/v1/subscriptions/${subscription.id}`)).body;
    expect(restored).toMatchObject({ status: 'active', currentPeriodEnd: sub.currentPeriodEnd });
  });

  it('counts a payment re-included in another block once', async () => {
    const { client, invoice: inv } = await billedCustomer(bed.t);
    const account9 = getAddress(inv.payTo);
    await payInvoice(bed.chain.url, inv, 1);
    await bed.tick();
    // Replace the last 3 blocks, re-including the same transfer one block into the new branch.
    const data = `0xa9059cbb${account9.slice(2).toLowerCase().padStart(64, '0')}${BigInt(inv.amountDue).toString(16).padStart(64, '0')}` as `0x${string}`;
    // Explicit gas: anvil's estimate for a re-included transfer ignores the first-credit storage
    // cost of a receiving address that holds no tokens yet, and the transfer would run out of gas.
    await bed.chain.reorg(3, [[{ from: payer, to: DEVNET_TOKEN_ADDRESS, data, gas: 100_000n }, 1]]);
    await bed.chain.mine(3);
    await bed.tick();
    const rows = await payments(inv.id);
    expect(rows.map((p: { state: string }) => p.state).sort()).toEqual(['confirmed', 'orphaned']);
    const body = await invoice(client, inv.id);
    expect(body).toMatchObject({ status: 'paid', amountReceived: inv.amountDue, amountConfirmed: inv.amountDue });
  });

  it('detects a same-height replacement (snapshot/revert) by its parent hash', async () => {
    const { client, invoice: inv } = await billedCustomer(bed.t);
    const snapshot = await bed.chain.snapshot();
    await payInvoice(bed.chain.url, inv, 1);
    await bed.tick();
    expect((await payments(inv.id)).map((p: { state: string }) => p.state)).toEqual(['seen']);
    await bed.chain.revert(snapshot);
    await bed.chain.mine(2);
    await bed.tick();
    expect((await payments(inv.id)).map((p: { state: string }) => p.state)).toEqual(['orphaned']);
    expect((await invoice(client, inv.id)).status).toBe('open');
  });

  it('pays a native-coin invoice through the block scan', async () => {
    const { client, invoice: inv } = await billedCustomer(bed.t, undefined, { assetId: ETH, amount: '5000000000000000' });
    await payInvoice(bed.chain.url, inv, 1);
    await bed.chain.mine(3);
    await bed.tick();
    expect(await invoice(client, inv.id)).toMatchObject({ status: 'paid', token: 'native' });
  });

  it('keeps two invoices with the same base price apart by their tags', async () => {
    const a = await billedCustomer(bed.t, undefined, { amount: '3000000' });
    const b = await billedCustomer(bed.t, a.merchant, { amount: '3000000' });
    expect(a.invoice.amountDue).not.toBe(b.invoice.amountDue);
    await payInvoice(bed.chain.url, b.invoice, 1);
    await bed.chain.mine(3);
    await bed.tick();
    expect((await invoice(a.client, a.invoice.id)).status).toBe('open');
    expect((await invoice(b.client, b.invoice.id)).status).toBe('paid');
  });

  it('catches up after downtime over ranges, exactly once', async () => {
    const { client, invoice: inv } = await billedCustomer(bed.t);
    await bed.chain.mine(200);
    await payInvoice(bed.chain.url, inv, 1);
    await bed.chain.mine(300);
    const [first, second] = await Promise.all([bed.tick(), bed.tick()]);
    expect([first.skipped, second.skipped].filter((s) => s === 'locked').length).toBeLessThanOrEqual(1);
    await bed.tick();
    await bed.tick();
    const rows = await payments(inv.id);
    expect(rows).toHaveLength(1);
    expect(['confirmed', 'final']).toContain(rows[0].state);
    expect((await invoice(client, inv.id)).status).toBe('paid');
  });
});
