import { formatAmount } from '../../src/portal/view-helpers';
import { createTestApp, type TestApp } from '../app';
import { createPayment } from '../factories';
import { createPlan, createPortalCustomer, createPortalMerchant, openPortal, RECEIVING_ADDRESS, suiteEnv, type PortalCustomer, type PortalMerchant } from '../support/portal';

// S5 and R31: a portal session sees its own customer's objects and nothing else. Other customers'
// ids answer 404 (never 403), and lists never carry their ids, plans, amounts or transactions.

interface PaymentRow {
  txHash: string;
  amountText: string;
}

describe('portal isolation (S5)', () => {
  let t: TestApp;
  let m: PortalMerchant;
  let mc: PortalMerchant;
  let a: PortalCustomer;
  let b: PortalCustomer;
  let c: PortalCustomer;
  let cookie: string;
  const payments: Record<string, PaymentRow> = {};

  async function insertPayment(label: string, row: { merchantId: string; customerId: string; invoiceId: string | null; amount: bigint; amountText: string; livemode?: boolean }) {
    const payment = await createPayment(t, { ...row, state: 'confirmed', block: 100, to: RECEIVING_ADDRESS, matchedBy: 'amount' });
    payments[label] = { txHash: payment.txHash, amountText: row.amountText };
  }

  beforeAll(async () => {
    t = await createTestApp({ env: suiteEnv('portal-isolation') });
    m = await createPortalMerchant(t, { planName: 'Alpha Plan', amount: '11000000' });
    mc = await createPortalMerchant(t, { planName: 'Charlie Plan', amount: '33000000' });
    a = await createPortalCustomer(m, { email: 'alice@example.com', name: 'Alice Alpha' });
    b = await createPortalCustomer(m, { email: 'bob@example.com', name: 'Bob Bravo', planId: await createPlan(m, 'Bravo Plan', '22000000') });
    c = await createPortalCustomer(mc, { email: 'carol@example.com', name: 'Carol Charlie' });
    await insertPayment('a', { merchantId: m.id, customerId: a.id, invoiceId: a.invoiceId, amount: 1_111_111n, amountText: '1.111111' });
    await insertPayment('b', { merchantId: m.id, customerId: b.id, invoiceId: b.invoiceId, amount: 2_222_222n, amountText: '2.222222' });
    await insertPayment('c', { merchantId: mc.id, customerId: c.id, invoiceId: c.invoiceId, amount: 3_333_333n, amountText: '3.333333' });
    // Rows that name A but belong elsewhere: another merchant's ledger, and live mode.
    await insertPayment('aAtC', { merchantId: mc.id, customerId: a.id, invoiceId: null, amount: 4_444_444n, amountText: '4.444444' });
    await insertPayment('aLive', { merchantId: m.id, customerId: a.id, invoiceId: null, amount: 5_555_555n, amountText: '5.555555', livemode: true });
    cookie = (await openPortal(t, m, a.id)).cookie;
  });

  afterAll(async () => {
    await t.close();
  });

  const get = (path: string) => t.http().get(path).set('cookie', cookie);

  it("A's own objects render (control)", async () => {
    expect((await get(`/portal/subscriptions/${a.subscriptionId}`)).status).toBe(200);
    expect((await get(`/portal/invoices/${a.invoiceId}`)).status).toBe(200);
    const qr = await get(`/portal/invoices/${a.invoiceId}/qr.svg`);
    expect(qr.status).toBe(200);
    expect(qr.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it.each([
    ['subscription of B (same merchant)', () => `/portal/subscriptions/${b.subscriptionId}`],
    ['subscription of C (other merchant)', () => `/portal/subscriptions/${c.subscriptionId}`],
    ['invoice of B (same merchant)', () => `/portal/invoices/${b.invoiceId}`],
    ['invoice of C (other merchant)', () => `/portal/invoices/${c.invoiceId}`],
    ['QR of B (same merchant)', () => `/portal/invoices/${b.invoiceId}/qr.svg`],
    ['QR of C (other merchant)', () => `/portal/invoices/${c.invoiceId}/qr.svg`],
    ['a subscription id used as an invoice id', () => `/portal/invoices/${a.subscriptionId}`],
  ])('%s → 404 that names nothing of theirs', async (_label, path) => {
    const res = await get(path());
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    for (const secret of [b.invoiceNumber, 'Bravo Plan', 'Charlie Plan', 'Bob Bravo', 'Carol Charlie', payments.b.txHash, payments.c.txHash]) {
      expect(res.text).not.toContain(secret);
    }
  });

  it.each(['/portal', '/portal/invoices', '/portal/payments', '/portal/profile', "A's invoice", "A's subscription"])(
    '%s shows none of B or C',
    async (path) => {
      const target = path === "A's invoice" ? `/portal/invoices/${a.invoiceId}` : path === "A's subscription" ? `/portal/subscriptions/${a.subscriptionId}` : path;
      const res = await get(target);
      expect(res.status).toBe(200);
      const foreign = [
        b.id,
        c.id,
        b.subscriptionId,
        c.subscriptionId,
        b.invoiceId,
        c.invoiceId,
        'Bravo Plan',
        'Charlie Plan',
        'Bob Bravo',
        'bob@example.com',
        'Carol Charlie',
        'carol@example.com',
        formatAmount(BigInt(b.amountDue), 6, 'USDC'),
        formatAmount(BigInt(c.amountDue), 6, 'USDC'),
        ...['b', 'c', 'aAtC', 'aLive'].flatMap((k) => [payments[k].txHash, payments[k].txHash.slice(0, 8), payments[k].amountText]),
      ];
      for (const value of foreign) expect(res.text).not.toContain(value);
    },
  );

  it("A's lists do contain A's own data (so the absence checks above mean something)", async () => {
    const overview = await get('/portal');
    expect(overview.text).toContain('Alpha Plan');
    expect(overview.text).toContain(formatAmount(BigInt(a.amountDue), 6, 'USDC'));
    expect(overview.text).toContain(a.invoiceNumber);
    expect(overview.text).toContain(payments.a.txHash);
    const list = await get('/portal/payments');
    expect(list.text).toContain(payments.a.txHash);
    expect(list.text).toContain(payments.a.amountText);
    const invoices = await get('/portal/invoices');
    expect(invoices.text).toContain(a.invoiceId);
  });

  it('B and C, signed in themselves, see their own data and not A', async () => {
    const bCookie = (await openPortal(t, m, b.id)).cookie;
    const bPayments = await t.http().get('/portal/payments').set('cookie', bCookie);
    expect(bPayments.text).toContain(payments.b.txHash);
    expect(bPayments.text).not.toContain(payments.a.txHash);
    expect((await t.http().get(`/portal/invoices/${a.invoiceId}`).set('cookie', bCookie)).status).toBe(404);

    const cCookie = (await openPortal(t, mc, c.id)).cookie;
    const cPayments = await t.http().get('/portal/payments').set('cookie', cCookie);
    expect(cPayments.text).toContain(payments.c.txHash);
    for (const k of ['a', 'b', 'aAtC']) expect(cPayments.text).not.toContain(payments[k].txHash);
    expect((await t.http().get(`/portal/subscriptions/${a.subscriptionId}`).set('cookie', cCookie)).status).toBe(404);
  });
});
