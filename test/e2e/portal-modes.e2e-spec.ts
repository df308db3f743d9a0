import { mintPortalLinkOffline } from '../../src/portal-links/offline-minter';
import { api, createKey, createMerchant, createTestApp, type TestApp } from '../app';

describe('portal links and modes', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('a test-mode link secret never opens a live customer, a live one does', async () => {
    const m = await createMerchant(t);
    const liveKey = await createKey(t, m.merchant.id, { livemode: true });
    const live = api(t, liveKey);
    const liveCustomer = await live.post('/api/v1/customers', { email: 'live@example.com' });
    expect(liveCustomer.body.livemode).toBe(true);

    const testSecret = (await api(t, m.key).get('/api/v1/merchant/link-secret')).body.secret;
    const forged = mintPortalLinkOffline({ linkSecret: testSecret, baseUrl: 'https://billing.test', merchantId: m.merchant.id, customerId: liveCustomer.body.id, now: t.clock.now() });
    const refused = await t.http().get(`/p/${forged.token}`);
    expect(refused.status).toBe(404);
    expect(refused.text).toContain('This link can');

    const liveSecret = (await live.get('/api/v1/merchant/link-secret')).body.secret;
    expect(liveSecret).not.toBe(testSecret);
    const genuine = mintPortalLinkOffline({ linkSecret: liveSecret, baseUrl: 'https://billing.test', merchantId: m.merchant.id, customerId: liveCustomer.body.id, now: t.clock.now() });
    expect((await t.http().get(`/p/${genuine.token}`)).status).toBe(200);

    const minted = await live.post('/api/v1/portal-links', { customerId: liveCustomer.body.id });
    expect(minted.status).toBe(201);
    expect((await t.http().get(`/p/${minted.body.url.split('/p/')[1]}`)).status).toBe(200);
  });
});
