import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { ClaimService } from '../../src/reconciliation/claim.service';
import { CLAIM_QUEUE, claimJobId } from '../../src/reconciliation/reconciliation.jobs';
import { fundAccount, payInvoice, devAccount } from '../support/anvil';
import { billedCustomer, chainTestbed, USDC, type ChainTestbed } from '../support/chain-app';
import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';

describe('on-chain reconciliation (anvil)', () => {
  let bed: ChainTestbed;

  beforeAll(async () => {
    bed = await chainTestbed();
    const payer = await devAccount(bed.chain.url, 1);
    await fundAccount(bed.chain.url, DEVNET_TOKEN_ADDRESS, payer, 1_000_000_000n);
  });

  afterAll(async () => {
    await bed.close();
  });

  async function paymentsOf(invoiceId: string) {
    return bed.ds.query(`SELECT state, amount, matched_by FROM payment WHERE invoice_id = $1 ORDER BY created_at`, [invoiceId]);
  }

  it('detects an exact-amount USDC payment, confirms it at depth and activates the subscription once', async () => {
    const { client, invoice, subscription, merchant } = await billedCustomer(bed.t);
    await bed.tick();
    await payInvoice(bed.chain.url, invoice, 1);
    await bed.tick();
    expect(await paymentsOf(invoice.id)).toEqual([{ state: 'seen', amount: invoice.amountDue, matched_by: 'amount' }]);
    expect((await client.get(`/api/v1/invoices/${invoice.id}`)).body.status).toBe('open');

    await bed.chain.mine(3);
    await bed.tick();
    expect((await paymentsOf(invoice.id))[0].state).toBe('confirmed');
    const paid = await client.get(`/api/v1/invoices/${invoice.id}`);
    expect(paid.body).toMatchObject({ status: 'paid', amountConfirmed: invoice.amountDue });
    expect((await client.get(`/api/v1/subscriptions/${subscription.id}`)).body.status).toBe('active');

    await bed.chain.mine(12);
    await bed.tick();
    await bed.tick();
    expect((await paymentsOf(invoice.id))[0].state).toBe('final');
    const events = await bed.ds.query(`SELECT type FROM outbox_event WHERE merchant_id = $1 ORDER BY created_at, id`, [merchant.merchant.id]);
    const types = events.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === 'subscription.activated')).toHaveLength(1);
    expect(types.filter((t: string) => t === 'invoice.paid')).toHaveLength(1);
    expect(types).toEqual(expect.arrayContaining(['payment.detected', 'payment.confirmed', 'invoice.paid', 'subscription.activated']));
  });

  it('leaves an amount that matches nothing unmatched, listed for the merchant and assignable', async () => {
    const { client, invoice } = await billedCustomer(bed.t, undefined, { amount: '7000000' });
    await bed.tick();
    await payInvoice(bed.chain.url, { ...invoice, amountDue: '6999999', amountRemaining: '6999999' }, 1);
    await bed.chain.mine(3);
    await bed.tick();
    const unmatched = await client.get('/api/v1/payments?matched=false');
    expect(unmatched.body.data).toHaveLength(1);
    expect(unmatched.body.data[0]).toMatchObject({ amount: '6999999', invoiceId: null, assetId: USDC });
    const assigned = await client.post(`/api/v1/payments/${unmatched.body.data[0].id}/assign`, { invoiceId: invoice.id });
    expect(assigned.status).toBe(200);
    const after = await client.get(`/api/v1/invoices/${invoice.id}`);
    expect(after.body).toMatchObject({ status: 'partially_paid', amountReceived: '6999999' });
  });

  it('verifies a claimed transaction hash (an exchange payment short of the tag) and rejects a wrong or reused one', async () => {
    const { client, invoice } = await billedCustomer(bed.t, undefined, { amount: '8000000' });
    await bed.tick();
    // Exchanges send round amounts: no tag, so rule 1 cannot match it.
    const txHash = await payInvoice(bed.chain.url, { ...invoice, amountDue: '8000000', amountRemaining: '8000000' }, 1);
    await bed.chain.mine(3);
    await bed.tick();
    expect((await client.get(`/api/v1/invoices/${invoice.id}`)).body.status).toBe('open');

    const accepted = await client.post(`/api/v1/invoices/${invoice.id}/claims`, { txHash });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ object: 'payment_claim', status: 'pending' });
    const queue = bed.t.app.get<Queue>(getQueueToken(CLAIM_QUEUE));
    expect((await queue.getJob(claimJobId(accepted.body.id)))?.data).toEqual({ claimId: accepted.body.id });
    // Merchants review claims by default: the transfer passed every guard and waits for approval.
    const judged = await bed.t.app.get(ClaimService).verify(accepted.body.id);
    expect(judged).toMatchObject({ status: 'needs_review', amount: 8_000_000n });
    expect((await client.get(`/api/v1/invoices/${invoice.id}`)).body.status).toBe('open');
    const approved = await client.post(`/api/v1/claims/${accepted.body.id}/approve`, {});
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'verified', amount: '8000000', resolvedBy: 'merchant_api' });
    const after = await client.get(`/api/v1/invoices/${invoice.id}`);
    expect(after.body).toMatchObject({ status: 'partially_paid', amountReceived: '8000000' });
    const rows = await bed.ds.query(`SELECT matched_by FROM payment WHERE invoice_id = $1`, [invoice.id]);
    expect(rows).toEqual([{ matched_by: 'claim' }]);

    // The same hash again: refused while the first claim stands.
    const again = await client.post(`/api/v1/invoices/${invoice.id}/claims`, { txHash });
    expect(again.status).toBe(409);

    // A hash that sent nothing to this invoice's address is rejected with a reason.
    const other = await billedCustomer(bed.t, undefined, { amount: '9000000' });
    const unrelated = await bed.chain.walletClient.sendTransaction({ account: await devAccount(bed.chain.url, 2), to: await devAccount(bed.chain.url, 3), value: 1n, chain: null });
    await bed.chain.mine(1);
    const claim = await other.client.post(`/api/v1/invoices/${other.invoice.id}/claims`, { txHash: unrelated });
    const rejected = await bed.t.app.get(ClaimService).verify(claim.body.id);
    expect(rejected.status).toBe('rejected');
    expect(rejected.reason).toMatch(/no transfer/);
    expect((await other.client.get(`/api/v1/invoices/${other.invoice.id}`)).body.status).toBe('open');
  });
});
