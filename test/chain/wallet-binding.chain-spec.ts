import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { newId } from '../../src/common/ids';
import { devAccount, fundAccount, payInvoice } from '../support/anvil';
import { billedCustomer, chainTestbed, type ChainTestbed } from '../support/chain-app';

describe('payer-wallet binding (matching rule 2, anvil)', () => {
  let bed: ChainTestbed;
  let wallet3: `0x${string}`;

  beforeAll(async () => {
    bed = await chainTestbed();
    wallet3 = await devAccount(bed.chain.url, 3);
    for (const i of [3, 4]) await fundAccount(bed.chain.url, DEVNET_TOKEN_ADDRESS, await devAccount(bed.chain.url, i), 1_000_000_000n);
    await bed.chain.mine(2);
    await bed.tick();
  });

  afterAll(async () => {
    await bed.close();
  });

  // What the portal's Sign-In with Ethereum flow writes once the customer proves the wallet.
  async function bindWallet(merchantId: string, customerId: string, address: string, verifiedBlock: bigint) {
    await bed.ds.query(
      `INSERT INTO payer_wallet (id, merchant_id, livemode, customer_id, address, chain_id, verified_at, verified_block) VALUES ($1, $2, false, $3, $4, 31337, now(), $5)`,
      [newId('pay').replace('pay_', 'wal_'), merchantId, customerId, address, verifiedBlock.toString()],
    );
  }

  const head = async () => bed.chain.publicClient.getBlockNumber();
  const rows = (invoiceId: string) => bed.ds.query(`SELECT matched_by, flags FROM payment WHERE invoice_id = $1 ORDER BY created_at`, [invoiceId]);

  it('pays the oldest open invoice from a bound wallet: short, then the rest with a surplus as credit', async () => {
    const { client, invoice, customer, merchant } = await billedCustomer(bed.t, undefined, { amount: '20000000' });
    await bindWallet(merchant.merchant.id, customer.id, wallet3, await head());
    await payInvoice(bed.chain.url, { ...invoice, amountRemaining: '5000000' }, 3);
    await bed.chain.mine(3);
    await bed.tick();
    expect((await client.get(`/api/v1/invoices/${invoice.id}`)).body).toMatchObject({ status: 'partially_paid', amountReceived: '5000000' });
    expect(await rows(invoice.id)).toEqual([{ matched_by: 'binding', flags: [] }]);

    const rest = BigInt(invoice.amountDue) - 5_000_000n + 1_000_000n;
    await payInvoice(bed.chain.url, { ...invoice, amountRemaining: rest.toString() }, 3);
    await bed.chain.mine(3);
    await bed.tick();
    expect((await client.get(`/api/v1/invoices/${invoice.id}`)).body.status).toBe('paid');
    const [credit] = await bed.ds.query(`SELECT amount FROM customer_credit WHERE customer_id = $1`, [customer.id]);
    expect(credit.amount).toBe('1000000');
  });

  it('leaves the same amount from an unbound wallet unmatched', async () => {
    const { client, invoice } = await billedCustomer(bed.t, undefined, { amount: '21000000' });
    await payInvoice(bed.chain.url, { ...invoice, amountRemaining: '5000000' }, 4);
    await bed.chain.mine(3);
    await bed.tick();
    expect((await client.get(`/api/v1/invoices/${invoice.id}`)).body.status).toBe('open');
    const unmatched = await client.get('/api/v1/payments?matched=false');
    expect(unmatched.body.data.map((p: { amount: string }) => p.amount)).toContain('5000000');
  });

  it('does not bind transfers made before the wallet was proved, but suggests the customer', async () => {
    const { client, invoice, customer, merchant } = await billedCustomer(bed.t, undefined, { amount: '22000000' });
    await bindWallet(merchant.merchant.id, customer.id, wallet3, (await head()) + 1000n);
    await payInvoice(bed.chain.url, { ...invoice, amountRemaining: '3000000' }, 3);
    await bed.chain.mine(3);
    await bed.tick();
    expect((await client.get(`/api/v1/invoices/${invoice.id}`)).body.status).toBe('open');
    const unmatched = (await client.get('/api/v1/payments?matched=false')).body.data;
    expect(unmatched.find((p: { amount: string }) => p.amount === '3000000')).toMatchObject({ invoiceId: null, suggestedCustomerId: customer.id });
  });

  it('lets the amount tag win over a wallet bound to another customer, flagging the conflict', async () => {
    const a = await billedCustomer(bed.t, undefined, { amount: '23000000' });
    const b = await billedCustomer(bed.t, a.merchant, { amount: '24000000' });
    await bindWallet(a.merchant.merchant.id, a.customer.id, wallet3, await head());
    await payInvoice(bed.chain.url, b.invoice, 3);
    await bed.chain.mine(3);
    await bed.tick();
    expect((await b.client.get(`/api/v1/invoices/${b.invoice.id}`)).body.status).toBe('paid');
    expect(await rows(b.invoice.id)).toEqual([{ matched_by: 'amount', flags: ['binding_conflict'] }]);
  });
});
