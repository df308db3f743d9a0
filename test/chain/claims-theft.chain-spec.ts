import { erc20Abi, type Address, type Hash } from 'viem';
import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { newId } from '../../src/common/ids';
import { ClaimNotYetScanned, ClaimService } from '../../src/reconciliation/claim.service';
import { api, createMerchant, type TestMerchant } from '../app';
import { devAccount, fundAccount, payInvoice } from '../support/anvil';
import { billedCustomer, chainTestbed, type ChainTestbed } from '../support/chain-app';

// A customer must never be able to move someone else's money onto their own invoice, whatever
// the order of the claim and the chain scan.
describe('claims cannot steal (anvil)', () => {
  let bed: ChainTestbed;
  let claims: ClaimService;

  beforeAll(async () => {
    bed = await chainTestbed();
    claims = bed.t.app.get(ClaimService);
    for (const i of [1, 2, 3, 4]) await fundAccount(bed.chain.url, DEVNET_TOKEN_ADDRESS, await devAccount(bed.chain.url, i), 1_000_000_000n);
    await bed.chain.mine(2);
    await bed.tick();
  });

  afterAll(async () => {
    await bed.close();
  });

  async function merchant(claimsMode: 'auto' | 'review' = 'review'): Promise<TestMerchant> {
    const m = await createMerchant(bed.t);
    await api(bed.t, m.key).patch('/api/v1/merchant', { billingSettings: { claims: claimsMode } }).expect(200);
    return m;
  }

  // An exchange-style transfer: a round amount from a dev account, no tag.
  async function send(to: string, amount: bigint, fromIndex: number): Promise<Hash> {
    return bed.chain.walletClient.writeContract({
      address: DEVNET_TOKEN_ADDRESS as Address,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [to as Address, amount],
      account: await devAccount(bed.chain.url, fromIndex),
      chain: null,
    });
  }

  async function settle(): Promise<void> {
    await bed.chain.mine(3);
    await bed.tick();
  }

  const invoiceOf = async (client: ReturnType<typeof api>, id: string) => (await client.get(`/api/v1/invoices/${id}`)).body;
  const paymentsOf = (invoiceId: string) => bed.ds.query(`SELECT matched_by FROM payment WHERE invoice_id = $1`, [invoiceId]);

  it("rejects a claim of B's tagged payment made before the scan, and B is still credited", async () => {
    const m = await merchant('auto');
    const b = await billedCustomer(bed.t, m);
    const a = await billedCustomer(bed.t, m);
    const tx = await payInvoice(bed.chain.url, b.invoice, 1);
    await bed.chain.mine(3);
    // A claims B's hash before the scanner has seen the block: the claim waits instead of judging.
    const claim = await a.client.post(`/api/v1/invoices/${a.invoice.id}/claims`, { txHash: tx });
    expect(claim.status).toBe(202);
    await expect(claims.verify(claim.body.id)).rejects.toBeInstanceOf(ClaimNotYetScanned);
    expect((await claims.get({ merchantId: m.merchant.id, livemode: false }, claim.body.id)).status).toBe('pending');

    await bed.tick();
    const judged = await claims.verify(claim.body.id);
    expect(judged).toMatchObject({ status: 'rejected', reason: 'this transfer already paid an invoice' });
    expect(await invoiceOf(b.client, b.invoice.id)).toMatchObject({ status: 'paid', amountReceived: b.invoice.amountDue });
    expect(await invoiceOf(a.client, a.invoice.id)).toMatchObject({ status: 'open', amountReceived: '0' });
    expect(await paymentsOf(a.invoice.id)).toEqual([]);
    expect(await paymentsOf(b.invoice.id)).toEqual([{ matched_by: 'amount' }]);
  });

  it("rejects a claim of B's tagged payment made after the scan", async () => {
    const m = await merchant('auto');
    const b = await billedCustomer(bed.t, m);
    const a = await billedCustomer(bed.t, m);
    const tx = await payInvoice(bed.chain.url, b.invoice, 1);
    await settle();
    const claim = await a.client.post(`/api/v1/invoices/${a.invoice.id}/claims`, { txHash: tx });
    expect(await claims.verify(claim.body.id)).toMatchObject({ status: 'rejected', reason: 'this transfer already paid an invoice' });
    expect(await invoiceOf(a.client, a.invoice.id)).toMatchObject({ status: 'open', amountReceived: '0' });
    expect((await invoiceOf(b.client, b.invoice.id)).status).toBe('paid');
  });

  it('survives a claim racing the tick: the tag decides, the claim is rejected', async () => {
    const m = await merchant('auto');
    const b = await billedCustomer(bed.t, m);
    const a = await billedCustomer(bed.t, m);
    const tx = await payInvoice(bed.chain.url, b.invoice, 1);
    await bed.chain.mine(3);
    const claim = await a.client.post(`/api/v1/invoices/${a.invoice.id}/claims`, { txHash: tx });
    const [, early] = await Promise.allSettled([bed.tick(), claims.verify(claim.body.id)]);
    // Either the claim judged after the scan committed, or it saw the scanner behind and waits.
    if (early.status === 'rejected') expect(early.reason).toBeInstanceOf(ClaimNotYetScanned);
    const final = early.status === 'fulfilled' ? early.value : await claims.verify(claim.body.id);
    expect(final.status).toBe('rejected');
    expect((await invoiceOf(b.client, b.invoice.id)).status).toBe('paid');
    expect((await invoiceOf(a.client, a.invoice.id)).amountReceived).toBe('0');
  });

  it('rejects a claim of a transfer mined before the invoice was issued', async () => {
    const m = await merchant('auto');
    const first = await billedCustomer(bed.t, m);
    // An unmatched round transfer to the merchant's address, from before A's invoice existed.
    const tx = await send(first.invoice.payTo, 7_000_000n, 2);
    await settle();
    const [{ block_timestamp: minedAt }] = await bed.ds.query(`SELECT block_timestamp FROM payment WHERE tx_hash = $1`, [tx.toLowerCase()]);
    // Block times have whole seconds: wait (polling the clock, bounded) until the next second has begun.
    const deadline = Date.now() + 5_000;
    while (Date.now() < (minedAt as Date).getTime() + 1_000 && Date.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
    const a = await billedCustomer(bed.t, m);
    const claim = await a.client.post(`/api/v1/invoices/${a.invoice.id}/claims`, { txHash: tx });
    expect(await claims.verify(claim.body.id)).toMatchObject({ status: 'rejected', reason: 'the transfer was made before this invoice was issued' });
    expect((await invoiceOf(a.client, a.invoice.id)).amountReceived).toBe('0');
  });

  it("rejects a claim of a transfer from a wallet bound to another customer", async () => {
    const m = await merchant('auto');
    const a = await billedCustomer(bed.t, m);
    const owner = await api(bed.t, m.key).post('/api/v1/customers', { email: `owner${Date.now()}@example.com` });
    const wallet = await devAccount(bed.chain.url, 3);
    await bed.ds.query(
      `INSERT INTO payer_wallet (id, merchant_id, livemode, customer_id, address, chain_id, verified_at, verified_block) VALUES ($1, $2, false, $3, $4, 31337, now(), 0)`,
      [newId('pay').replace('pay_', 'wal_'), m.merchant.id, owner.body.id, wallet],
    );
    // The owner has no open invoice, so the transfer stays unmatched with the owner suggested.
    const tx = await send(a.invoice.payTo, 6_000_000n, 3);
    await settle();
    const claim = await a.client.post(`/api/v1/invoices/${a.invoice.id}/claims`, { txHash: tx });
    expect(await claims.verify(claim.body.id)).toMatchObject({ status: 'rejected', reason: "the transfer came from a wallet linked to another customer's account" });
    expect((await invoiceOf(a.client, a.invoice.id)).amountReceived).toBe('0');
  });

  it("never sees another merchant's transfer, even one to the same token", async () => {
    const other = await billedCustomer(bed.t, await merchant('auto'));
    const a = await billedCustomer(bed.t, await merchant('auto'));
    const tx = await send(other.invoice.payTo, 5_000_000n, 2);
    await settle();
    const claim = await a.client.post(`/api/v1/invoices/${a.invoice.id}/claims`, { txHash: tx });
    expect((await claims.verify(claim.body.id)).status).toBe('rejected');
    expect((await invoiceOf(a.client, a.invoice.id)).amountReceived).toBe('0');
  });

  describe('review (the default)', () => {
    it('holds a claim that passes every guard for the merchant; rejection tells the customer why', async () => {
      const m = await merchant();
      const a = await billedCustomer(bed.t, m);
      const tx = await send(a.invoice.payTo, 9_000_000n, 4);
      await settle();
      const claim = await a.client.post(`/api/v1/invoices/${a.invoice.id}/claims`, { txHash: tx });
      const judged = await claims.verify(claim.body.id);
      expect(judged).toMatchObject({ status: 'needs_review', amount: 9_000_000n });
      expect((await invoiceOf(a.client, a.invoice.id)).amountReceived).toBe('0');

      const listed = await a.client.get('/api/v1/claims?status=needs_review');
      expect(listed.body.data).toEqual([expect.objectContaining({ id: claim.body.id, txHash: tx.toLowerCase(), amount: '9000000', invoiceId: a.invoice.id })]);

      const bad = await a.client.post(`/api/v1/claims/${claim.body.id}/reject`, {});
      expect(bad.status).toBe(400);
      const rejected = await a.client.post(`/api/v1/claims/${claim.body.id}/reject`, { reason: 'Not a payment from this customer' });
      expect(rejected.body).toMatchObject({ status: 'rejected', reason: 'Not a payment from this customer', resolvedBy: 'merchant_api' });
      // Decided once: neither a second rejection nor an approval changes it.
      expect((await a.client.post(`/api/v1/claims/${claim.body.id}/approve`, {})).status).toBe(422);
      expect((await invoiceOf(a.client, a.invoice.id)).amountReceived).toBe('0');
      const events = await bed.ds.query(`SELECT type FROM outbox_event WHERE merchant_id = $1 AND type LIKE 'payment_claim.%' ORDER BY created_at, id`, [m.merchant.id]);
      expect(events.map((e: { type: string }) => e.type)).toEqual(['payment_claim.created', 'payment_claim.needs_review', 'payment_claim.rejected']);
    });

    it("approval re-checks the guards: a transfer matched meanwhile is not credited twice", async () => {
      const m = await merchant();
      const a = await billedCustomer(bed.t, m);
      const tx = await send(a.invoice.payTo, 9_500_000n, 4);
      await settle();
      const claim = await a.client.post(`/api/v1/invoices/${a.invoice.id}/claims`, { txHash: tx });
      expect((await claims.verify(claim.body.id)).status).toBe('needs_review');
      // The merchant assigns the same transfer to the invoice by hand first.
      const [{ id: paymentId }] = await bed.ds.query(`SELECT id FROM payment WHERE tx_hash = $1`, [tx.toLowerCase()]);
      expect((await a.client.post(`/api/v1/payments/${paymentId}/assign`, { invoiceId: a.invoice.id })).status).toBe(200);
      const approve = await a.client.post(`/api/v1/claims/${claim.body.id}/approve`, {});
      expect(approve.status).toBe(422);
      expect(approve.body.error.message).toMatch(/already paid an invoice/);
      expect((await invoiceOf(a.client, a.invoice.id)).amountReceived).toBe('9500000');
    });

    it("another merchant's claim is not found", async () => {
      const m = await merchant();
      const a = await billedCustomer(bed.t, m);
      const tx = await send(a.invoice.payTo, 8_500_000n, 4);
      await settle();
      const claim = await a.client.post(`/api/v1/invoices/${a.invoice.id}/claims`, { txHash: tx });
      await claims.verify(claim.body.id);
      const intruder = api(bed.t, (await createMerchant(bed.t)).key);
      expect((await intruder.get(`/api/v1/claims/${claim.body.id}`)).status).toBe(404);
      expect((await intruder.post(`/api/v1/claims/${claim.body.id}/approve`, {})).status).toBe(404);
      expect((await a.client.get(`/api/v1/claims/${claim.body.id}`)).body.status).toBe('needs_review');
    });
  });
});
