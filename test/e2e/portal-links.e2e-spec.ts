import { formatAmount } from '../../src/portal/view-helpers';
import { api, createMerchant, createTestApp, freshAddress, type TestApp } from '../app';

const USDC = 'asset_31337_0x5fbdb2315678afecb367f032d93f642f64180aa3';

describe('portal links', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('mints a link, shows the interstitial without a cookie, exchanges it and renders the overview', async () => {
    const m = await createMerchant(t);
    const client = api(t, m.key);
    await client.patch('/api/v1/merchant', { receivingAddresses: { '31337': freshAddress() } }).expect(200);
    const plan = await client.post('/api/v1/plans', { name: 'Starter', interval: { unit: 'month', count: 1 }, prices: [{ assetId: USDC, amount: '10000000' }] });
    const customer = await client.post('/api/v1/customers', { email: 'ada@example.com', name: 'Ada' });
    const sub = await client.post('/api/v1/subscriptions', { customerId: customer.body.id, planId: plan.body.id }).expect(201);
    const link = await client.post('/api/v1/portal-links', { customerId: customer.body.id });
    expect(link.status).toBe(201);
    expect(link.body.url).toMatch(/^https:\/\/billing\.test\/p\/pl1\./);
    const token = link.body.url.split('/p/')[1];

    const page = await t.http().get(`/p/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('Continue to billing');
    expect(page.text).toContain('ad•••@example.com');

    const exchange = await t.http().post('/p/exchange').type('form').send({ token });
    expect(exchange.status).toBe(303);
    expect(exchange.headers.location).toBe('/portal');
    const cookie = exchange.headers['set-cookie'][0];
    expect(cookie).toMatch(/^__Host-portal_sid=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax$/);

    const overview = await t.http().get('/portal').set('cookie', cookie.split(';')[0]);
    expect(overview.status).toBe(200);
    expect(overview.text).toContain('Starter');
    // The tagged amount of the open invoice (10 USDC plus a tag that depends on the other open
    // invoices to the same address, so read from the invoice rather than assumed).
    expect(overview.text).toContain(formatAmount(BigInt(sub.body.latestInvoice.amountDue), 6, 'USDC'));
    expect(overview.text).toContain('10 USDC');
    expect(overview.headers['content-security-policy']).toMatch(/script-src 'strict-dynamic' 'nonce-/);
  });

  it('renders the same invalid page for a tampered token', async () => {
    const res = await t.http().get('/p/pl1.lk_aaaaaaaaaaaaaaaa.eyJ2IjoxfQ.AAAA');
    expect(res.status).toBe(404);
    expect(res.text).toContain('This link can');
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
