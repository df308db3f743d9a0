import { createTestApp, type TestApp } from '../app';
import { createPortalCustomer, createPortalMerchant, csrfFrom, exchange, mintLink, openPortal, suiteEnv, type PortalMerchant } from '../support/portal';

// Embed mode (R13, R16; S13, S14): partitioned cookies, frame-ancestors computed per response from
// the session's own merchant, no X-Frame-Options; top-level sessions keep 'none' and DENY.

const frameAncestors = (csp: unknown): string => /frame-ancestors ([^;]*)/.exec(String(csp))?.[1] ?? '';

describe('portal embed mode', () => {
  let t: TestApp;
  let m: PortalMerchant;
  let n: PortalMerchant;
  let plain: PortalMerchant;

  beforeAll(async () => {
    t = await createTestApp({ env: suiteEnv('portal-embed') });
    [m, n, plain] = await Promise.all([
      createPortalMerchant(t, { name: 'Embed M', patch: { embedOrigins: ['https://app.example.com'] } }),
      createPortalMerchant(t, { name: 'Embed N', patch: { embedOrigins: ['https://app.n.example', 'https://shop.n.example'] } }),
      createPortalMerchant(t, { name: 'No Embed' }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await t.close();
  });

  it('refuses embed links for a merchant without embedOrigins', async () => {
    const c = await createPortalCustomer(plain);
    const res = await plain.client.post('/api/v1/portal-links', { customerId: c.id, embed: true });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('embedOrigins');
  });

  it('frames the interstitial, sets a partitioned cookie and frames every page of the session for exactly the merchant origins', async () => {
    const c = await createPortalCustomer(m);
    const link = await mintLink(m, c.id, { embed: true });
    expect(link.body.embed).toBe(true);

    const page = await t.http().get(`/p/${link.token}`);
    expect(page.status).toBe(200);
    expect(frameAncestors(page.headers['content-security-policy'])).toBe('https://app.example.com');
    expect(page.headers['x-frame-options']).toBeUndefined();
    expect(page.text).toMatch(/<script src="\/assets\/embed-check\.js" nonce="[^"]+"><\/script>/);
    expect(page.text).toContain(`href="/p/${link.token}" target="_blank"`);
    expect((await t.http().get('/assets/embed-check.js')).status).toBe(200);

    const s = await exchange(t, link.token);
    const setCookie = String(s.response.headers['set-cookie']);
    expect(setCookie).toMatch(/; Secure; HttpOnly; SameSite=None; Partitioned$/);
    expect(s.response.headers.location).toBe(`/p/embedded?m=${m.merchant.slug}&next=%2Fportal`);

    const landing = await t.http().get(s.response.headers.location).set('cookie', s.cookie);
    expect(landing.status).toBe(303);
    expect(landing.headers.location).toBe('/portal');

    for (const path of ['/portal', '/portal/invoices', `/portal/invoices/${c.invoiceId}`, '/portal/payments', '/portal/profile', '/portal/invoices/inv_000000000000000000000']) {
      const res = await t.http().get(path).set('cookie', s.cookie);
      expect([200, 404]).toContain(res.status);
      expect(frameAncestors(res.headers['content-security-policy'])).toBe('https://app.example.com');
      expect(res.headers['x-frame-options']).toBeUndefined();
    }
  });

  it('keeps frame-ancestors none and X-Frame-Options for a top-level session of the same merchant', async () => {
    const c = await createPortalCustomer(m);
    const link = await mintLink(m, c.id);
    const page = await t.http().get(`/p/${link.token}`);
    expect(frameAncestors(page.headers['content-security-policy'])).toBe("'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.text).not.toContain('embed-check.js');
    const s = await exchange(t, link.token);
    expect(String(s.response.headers['set-cookie'])).toMatch(/SameSite=Lax$/);
    const res = await t.http().get('/portal').set('cookie', s.cookie);
    expect(res.status).toBe(200);
    expect(frameAncestors(res.headers['content-security-policy'])).toBe("'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it("never sends merchant M's origins on merchant N's sessions (S13)", async () => {
    const [cm, cn] = await Promise.all([createPortalCustomer(m), createPortalCustomer(n)]);
    const [sm, sn] = await Promise.all([openPortal(t, m, cm.id, { embed: true }), openPortal(t, n, cn.id, { embed: true })]);
    const [pm, pn] = await Promise.all([t.http().get('/portal').set('cookie', sm.cookie), t.http().get('/portal').set('cookie', sn.cookie)]);
    expect(frameAncestors(pm.headers['content-security-policy'])).toBe('https://app.example.com');
    expect(frameAncestors(pn.headers['content-security-policy'])).toBe('https://app.n.example https://shop.n.example');
    expect(String(pn.headers['content-security-policy'])).not.toContain('app.example.com');

    // Computed per response: a removed origin stops framing at once.
    await n.client.patch('/api/v1/merchant', { embedOrigins: ['https://shop.n.example'] }).expect(200);
    const again = await t.http().get('/portal').set('cookie', sn.cookie);
    expect(frameAncestors(again.headers['content-security-policy'])).toBe('https://shop.n.example');
  });

  it('accepts a same-origin POST with a valid token inside the frame and refuses a cross-site one (S14)', async () => {
    const c = await createPortalCustomer(m);
    const s = await openPortal(t, m, c.id, { embed: true });
    const csrf = csrfFrom((await t.http().get('/portal').set('cookie', s.cookie)).text);

    const crossSite = await t.http().post('/portal/logout').set('cookie', s.cookie).set('sec-fetch-site', 'cross-site').type('form').send({ _csrf: csrf });
    expect(crossSite.status).toBe(403);
    expect((await t.http().get('/portal').set('cookie', s.cookie)).status).toBe(200);

    const fromParentOrigin = await t.http().post('/portal/logout').set('cookie', s.cookie).set('origin', 'https://app.example.com').type('form').send({ _csrf: csrf });
    expect(fromParentOrigin.status).toBe(403);

    const inside = await t.http().post('/portal/logout').set('cookie', s.cookie).set('sec-fetch-site', 'same-origin').type('form').send({ _csrf: csrf });
    expect(inside.status).toBe(303);
    expect((await t.http().get('/portal').set('cookie', s.cookie)).status).toBe(401);
  });

  it('explains and offers a new tab when the session cookie did not stick in the frame', async () => {
    const c = await createPortalCustomer(m);
    const link = await mintLink(m, c.id, { embed: true, singleUse: true });
    const s = await exchange(t, link.token);
    // The browser dropped the partitioned cookie: the landing page arrives without it.
    const landing = await t.http().get(s.response.headers.location);
    expect(landing.status).toBe(200);
    expect(landing.text).toContain('Open billing in a new tab');
    expect(landing.text).toContain(`href="/m/${m.merchant.slug}/portal" target="_blank"`);
    expect(landing.text).not.toContain(link.token);
    expect(frameAncestors(landing.headers['content-security-policy'])).toBe('https://app.example.com');
    expect(landing.headers['x-frame-options']).toBeUndefined();

    // An unknown merchant in the query: no entry link, no framing.
    const unknown = await t.http().get('/p/embedded?m=no-such-shop&next=%2Fportal');
    expect(unknown.status).toBe(200);
    expect(unknown.text).not.toContain('/m/no-such-shop');
    expect(frameAncestors(unknown.headers['content-security-policy'])).toBe("'none'");

    // The next hop is never an open redirect.
    const other = await exchange(t, (await mintLink(m, c.id, { embed: true })).token);
    const evil = await t.http().get('/p/embedded?m=x&next=https%3A%2F%2Fevil.example').set('cookie', other.cookie);
    expect(evil.status).toBe(303);
    expect(evil.headers.location).toBe('/portal');
  });
});
