import { mintPortalLinkOffline, parseLinkSecret } from '../../src/portal-links/offline-minter';
import { api, createKey, createTestApp, type TestApp } from '../app';
import { createPortalCustomer, createPortalMerchant, exchange, mintLink, suiteEnv, type PortalCustomer, type PortalMerchant } from '../support/portal';

// Merchants mint links in their own backend with the revealed link secret; Billfold verifies them
// exactly like links from POST /api/v1/portal-links.

const HOUR = 3600 * 1000;
const BASE_URL = 'https://billing.test';

describe('offline minting', () => {
  let t: TestApp;
  let m: PortalMerchant;
  let c: PortalCustomer;
  let linkSecret: string;

  async function openWith(url: string): Promise<string> {
    expect(url.startsWith(`${BASE_URL}/p/pl1.`)).toBe(true);
    const token = url.slice(`${BASE_URL}/p/`.length);
    const interstitial = await t.http().get(`/p/${token}`);
    expect(interstitial.status).toBe(200);
    expect(interstitial.headers['set-cookie']).toBeUndefined();
    const session = await exchange(t, token);
    expect(session.response.headers.location).toBe('/portal');
    const overview = await t.http().get('/portal').set('cookie', session.cookie);
    expect(overview.status).toBe(200);
    return overview.text;
  }

  beforeAll(async () => {
    t = await createTestApp({ env: suiteEnv('offline-minting') });
    m = await createPortalMerchant(t, { name: 'Offline Outfitters', planName: 'Offline Plan' });
    c = await createPortalCustomer(m, { email: 'olga@example.com', name: 'Olga Offline' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('reveals the link secret once: lsk1.<kid>.<secret>, then 409', async () => {
    const first = await m.client.get('/api/v1/merchant/link-secret');
    expect(first.status).toBe(200);
    expect(first.body.secret).toMatch(/^lsk1\.[A-Za-z0-9_]{4,40}\.[A-Za-z0-9_-]{43}$/);
    expect(first.body.kid).toBe(first.body.secret.split('.')[1]);
    expect(parseLinkSecret(first.body.secret).secret).toHaveLength(32);
    linkSecret = first.body.secret;

    const second = await m.client.get('/api/v1/merchant/link-secret');
    expect(second.status).toBe(409);
    expect(JSON.stringify(second.body)).not.toContain(linkSecret.split('.')[2]);
  });

  it('an offline link opens the portal with the customer’s data', async () => {
    const { url, expiresAt } = mintPortalLinkOffline({ linkSecret, baseUrl: BASE_URL, merchantId: m.id, customerId: c.id, now: t.clock.now() });
    expect(expiresAt.getTime()).toBe(Math.floor(t.clock.now().getTime() / 1000) * 1000 + 24 * HOUR);
    const html = await openWith(url);
    expect(html).toContain('Olga Offline');
    expect(html).toContain('olga@example.com');
    expect(html).toContain('Offline Plan');
    expect(html).toContain(c.invoiceNumber);
  });

  it('signs the same key as the API: an API link and an offline link share the kid', async () => {
    const apiLink = await mintLink(m, c.id);
    const offline = mintPortalLinkOffline({ linkSecret, baseUrl: `${BASE_URL}/`, merchantId: m.id, customerId: c.id, now: t.clock.now() });
    expect(offline.url.startsWith(`${BASE_URL}/p/`)).toBe(true);
    expect(offline.token.split('.')[1]).toBe(apiLink.token.split('.')[1]);
  });

  it('offline deep links and single use behave like API links', async () => {
    const deep = mintPortalLinkOffline({ linkSecret, baseUrl: BASE_URL, merchantId: m.id, customerId: c.id, initialPage: `invoice:${c.invoiceId}`, singleUse: true, now: t.clock.now() });
    const session = await exchange(t, deep.token);
    expect(session.response.headers.location).toBe(`/portal/invoices/${c.invoiceId}`);
    const again = await t.http().post('/p/exchange').type('form').send({ token: deep.token });
    expect(again.status).toBe(404);
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('an offline link with a stale epoch, or for another merchant’s customer, is rejected', async () => {
    const stale = mintPortalLinkOffline({ linkSecret, baseUrl: BASE_URL, merchantId: m.id, customerId: c.id, customerEpoch: 1, now: t.clock.now() });
    expect((await t.http().get(`/p/${stale.token}`)).status).toBe(404);
    const other = await createPortalMerchant(t);
    const foreign = await createPortalCustomer(other);
    const cross = mintPortalLinkOffline({ linkSecret, baseUrl: BASE_URL, merchantId: m.id, customerId: foreign.id, now: t.clock.now() });
    expect((await t.http().get(`/p/${cross.token}`)).status).toBe(404);
  });

  it('the minter refuses lifetimes over 24 h and malformed secrets', () => {
    expect(() => mintPortalLinkOffline({ linkSecret, baseUrl: BASE_URL, merchantId: m.id, customerId: c.id, expiresInSeconds: 86_401 })).toThrow();
    expect(() => mintPortalLinkOffline({ linkSecret: 'lsk1.short.secret', baseUrl: BASE_URL, merchantId: m.id, customerId: c.id })).toThrow(/link secret/);
    expect(() => mintPortalLinkOffline({ linkSecret, baseUrl: BASE_URL, merchantId: m.id, customerId: c.id, returnUrl: `https://merchant.example/${'x'.repeat(600)}` })).toThrow(/characters/);
  });

  it('after a rotation the old secret still mints working links for 24 h, and the new one works', async () => {
    const rotated = await m.client.post('/api/v1/merchant/link-secret/rotate');
    expect(rotated.status).toBe(200);
    const fresh: string = rotated.body.secret;
    expect(fresh).toMatch(/^lsk1\./);
    expect(parseLinkSecret(fresh).kid).not.toBe(parseLinkSecret(linkSecret).kid);
    // The rotated secret is shown in the rotation response; the reveal endpoint stays closed.
    expect((await m.client.get('/api/v1/merchant/link-secret')).status).toBe(409);

    const withOld = mintPortalLinkOffline({ linkSecret, baseUrl: BASE_URL, merchantId: m.id, customerId: c.id, now: t.clock.now() });
    expect(await openWith(withOld.url)).toContain('Olga Offline');
    const withNew = mintPortalLinkOffline({ linkSecret: fresh, baseUrl: BASE_URL, merchantId: m.id, customerId: c.id, now: t.clock.now() });
    expect(await openWith(withNew.url)).toContain('Olga Offline');
    // API links now carry the new kid.
    expect((await mintLink(m, c.id)).token.split('.')[1]).toBe(parseLinkSecret(fresh).kid);

    t.clock.advance(24 * HOUR + 1000);
    const lateOld = mintPortalLinkOffline({ linkSecret, baseUrl: BASE_URL, merchantId: m.id, customerId: c.id, now: t.clock.now() });
    expect((await t.http().get(`/p/${lateOld.token}`)).status).toBe(404);
    const lateNew = mintPortalLinkOffline({ linkSecret: fresh, baseUrl: BASE_URL, merchantId: m.id, customerId: c.id, now: t.clock.now() });
    expect(await openWith(lateNew.url)).toContain('Olga Offline');
  });

  it('revealing and rotating need merchant:write', async () => {
    const readOnly = api(t, await createKey(t, m.id, { scopes: ['merchant:read', 'portal_links:write', 'customers:read'] }));
    expect((await readOnly.get('/api/v1/merchant/link-secret')).status).toBe(403);
    expect((await readOnly.post('/api/v1/merchant/link-secret/rotate')).status).toBe(403);
    // A fresh merchant's secret is still unrevealed after the refused attempt.
    const other = await createPortalMerchant(t);
    const limited = api(t, await createKey(t, other.id, { scopes: ['portal_links:write'] }));
    expect((await limited.get('/api/v1/merchant/link-secret')).status).toBe(403);
    expect((await other.client.get('/api/v1/merchant/link-secret')).status).toBe(200);
  });
});
