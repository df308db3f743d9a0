import { createTestApp, type TestApp } from '../app';
import {
  createPortalCustomer,
  createPortalMerchant,
  csrfFrom,
  db,
  exchange,
  mintLink,
  openPortal,
  sessionCount,
  suiteEnv,
  type PortalCustomer,
  type PortalMerchant,
  type Session,
} from '../support/portal';

// Section C2 of the security requirements: session lifetime, sign-out, CSRF and Fetch Metadata,
// response headers, deep links.

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;

describe('portal sessions (C2)', () => {
  let t: TestApp;
  let m: PortalMerchant;
  let c: PortalCustomer;

  const page = (cookie: string, path = '/portal') => t.http().get(path).set('cookie', cookie);
  const logout = (cookie: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    t.http().post('/portal/logout').set('cookie', cookie).set(headers).type('form').send(form);

  async function csrfOf(session: Session): Promise<string> {
    const res = await page(session.cookie);
    expect(res.status).toBe(200);
    return csrfFrom(res.text);
  }

  function expectEnded(res: { status: number; text: string; headers: Record<string, unknown> }): void {
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Your session has ended');
    expect(res.text).not.toContain('name="_csrf"');
  }

  beforeAll(async () => {
    t = await createTestApp({ env: suiteEnv('portal-session') });
    m = await createPortalMerchant(t, { name: 'Session Shop' });
    c = await createPortalCustomer(m);
  });

  afterAll(async () => {
    await t.close();
  });

  describe('S6: timeouts', () => {
    it('an idle session lives 30 minutes, and is deleted server-side one second later', async () => {
      const alive = await openPortal(t, m, c.id);
      t.clock.advance(30 * MINUTE - 1000);
      expect((await page(alive.cookie)).status).toBe(200);

      const idle = await openPortal(t, m, c.id);
      expect(await sessionCount(t, { customerId: c.id })).toBeGreaterThanOrEqual(2);
      const before = await sessionCount(t, { customerId: c.id });
      t.clock.advance(30 * MINUTE + 1000);
      expectEnded(await page(idle.cookie));
      expect(await sessionCount(t, { customerId: c.id })).toBeLessThan(before);
      // Stays ended: the row is gone, not merely expired.
      t.clock.advance(-HOUR);
      expectEnded(await page(idle.cookie));
    });

    it('activity extends the idle timeout, but never past 8 hours', async () => {
      const session = await openPortal(t, m, c.id);
      const started = t.clock.now().getTime();
      while (t.clock.now().getTime() + 25 * MINUTE < started + 8 * HOUR) {
        t.clock.advance(25 * MINUTE);
        expect((await page(session.cookie)).status).toBe(200);
      }
      t.clock.set(new Date(started + 8 * HOUR - 1000));
      expect((await page(session.cookie)).status).toBe(200);
      t.clock.set(new Date(started + 8 * HOUR + 1000));
      const rows = await sessionCount(t, { customerId: c.id });
      expectEnded(await page(session.cookie));
      expect(await sessionCount(t, { customerId: c.id })).toBe(rows - 1);
    });

    it("the absolute timeout is the link's expiry when that comes first", async () => {
      const link = await mintLink(m, c.id, { expiresIn: 3600 });
      const session = await exchange(t, link.token);
      const started = t.clock.now().getTime();
      t.clock.advance(25 * MINUTE);
      expect((await page(session.cookie)).status).toBe(200);
      t.clock.advance(25 * MINUTE);
      expect((await page(session.cookie)).status).toBe(200);
      t.clock.set(new Date(started + HOUR - 1000));
      expect((await page(session.cookie)).status).toBe(200);
      t.clock.set(new Date(started + HOUR + 1000));
      expectEnded(await page(session.cookie));
    });

    it('an unknown, empty or oversized cookie is the session-ended page, never a 500', async () => {
      for (const cookie of ['__Host-portal_sid=nope', '__Host-portal_sid=', `__Host-portal_sid=${'a'.repeat(4000)}`, 'other=1']) expectEnded(await page(cookie));
      expectEnded(await t.http().get('/portal'));
    });
  });

  describe('sign-out', () => {
    it('POST /portal/logout with the page token deletes the session and clears the cookie', async () => {
      const session = await openPortal(t, m, c.id);
      const csrf = await csrfOf(session);
      const rows = await sessionCount(t, { customerId: c.id });
      const res = await logout(session.cookie, { _csrf: csrf });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/portal/signed-out');
      expect(res.headers['set-cookie'][0]).toMatch(/^__Host-portal_sid=; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=0$/);
      expect(await sessionCount(t, { customerId: c.id })).toBe(rows - 1);
      expectEnded(await page(session.cookie));
      const signedOut = await t.http().get('/portal/signed-out');
      expect(signedOut.status).toBe(200);
      expect(signedOut.text).toContain("You're signed out");
    });
  });

  describe('S1-S4: CSRF and Fetch Metadata on POST', () => {
    let victim: Session;
    let csrf: string;

    beforeAll(async () => {
      c = await createPortalCustomer(m, { email: 'csrf@example.com' });
    });

    beforeEach(async () => {
      victim = await openPortal(t, m, c.id);
      csrf = await csrfOf(victim);
    });

    async function expectRefusedAndAlive(res: { status: number; text: string }): Promise<void> {
      expect(res.status).toBe(403);
      expect(res.text).toContain('That action was refused');
      expect((await page(victim.cookie)).status).toBe(200);
    }

    it('S1: no token, an empty, a wrong, a truncated or another session’s token → 403, session alive', async () => {
      const other = await openPortal(t, m, c.id);
      const otherCsrf = await csrfOf(other);
      expect(otherCsrf).not.toBe(csrf);
      await expectRefusedAndAlive(await logout(victim.cookie, {}));
      await expectRefusedAndAlive(await logout(victim.cookie, { _csrf: '' }));
      await expectRefusedAndAlive(await logout(victim.cookie, { _csrf: 'x'.repeat(43) }));
      await expectRefusedAndAlive(await logout(victim.cookie, { _csrf: csrf.slice(0, -1) }));
      await expectRefusedAndAlive(await logout(victim.cookie, { _csrf: otherCsrf }));
      // And the other way round: the victim's token does not work in the other session.
      expect((await logout(other.cookie, { _csrf: csrf })).status).toBe(403);
      // Control: the right token signs out.
      expect((await logout(victim.cookie, { _csrf: csrf })).status).toBe(303);
    });

    it('S1: the token is bound to the session, not the customer: a new session gets a new token', async () => {
      const again = await openPortal(t, m, c.id);
      expect(await csrfOf(again)).not.toBe(csrf);
    });

    it('S2: Sec-Fetch-Site cross-site or same-site with a valid token → 403', async () => {
      await expectRefusedAndAlive(await logout(victim.cookie, { _csrf: csrf }, { 'sec-fetch-site': 'cross-site' }));
      await expectRefusedAndAlive(await logout(victim.cookie, { _csrf: csrf }, { 'sec-fetch-site': 'same-site' }));
      await expectRefusedAndAlive(await logout(victim.cookie, { _csrf: csrf }, { 'sec-fetch-site': 'cross-site', origin: 'https://billing.test' }));
      expect((await logout(victim.cookie, { _csrf: csrf }, { 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    });

    it('S3: without Sec-Fetch-*, a foreign Origin → 403; the portal origin passes; with neither header the token decides', async () => {
      for (const origin of ['https://evil.example', 'null', 'http://billing.test', 'https://billing.test.evil.example']) {
        await expectRefusedAndAlive(await logout(victim.cookie, { _csrf: csrf }, { origin }));
      }
      // The portal origin is PUBLIC_BASE_URL's, whatever Host the proxy forwarded.
      await expectRefusedAndAlive(await logout(victim.cookie, { _csrf: csrf }, { origin: 'https://evil.example', host: 'evil.example' }));
      expect((await logout(victim.cookie, { _csrf: csrf }, { origin: 'https://billing.test' })).status).toBe(303);
      const second = await openPortal(t, m, c.id);
      expect((await logout(second.cookie, { _csrf: await csrfOf(second) })).status).toBe(303);
    });

    it('S4: GET and HEAD on the sign-out route change nothing', async () => {
      for (const res of [await t.http().get('/portal/logout').set('cookie', victim.cookie), await t.http().head('/portal/logout').set('cookie', victim.cookie)]) {
        expect([404, 405]).toContain(res.status);
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      expect((await page(victim.cookie)).status).toBe(200);
    });

    it('login CSRF: a cross-site POST /p/exchange is refused with the uniform page and no cookie', async () => {
      const link = await mintLink(m, c.id);
      for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }]) {
        const res = await t.http().post('/p/exchange').set(headers).type('form').send({ token: link.token });
        expect(res.status).toBe(404);
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(res.text).toContain('This link can');
      }
      expect((await t.http().post('/p/exchange').set('sec-fetch-site', 'same-origin').type('form').send({ token: link.token })).status).toBe(303);
      expect((await t.http().post('/p/exchange').set('origin', 'https://billing.test').type('form').send({ token: link.token })).status).toBe(303);
    });
  });

  // Each block below signs in often; its own customer keeps it clear of the per-customer
  // attempt limit (30 a minute).
  describe('S12: headers on every portal page', () => {
    beforeAll(async () => {
      c = await createPortalCustomer(m, { email: 'headers@example.com' });
    });

    it('CSP with a fresh nonce, no framing, HSTS, nosniff, no-store', async () => {
      const link = await mintLink(m, c.id);
      const session = await exchange(t, link.token);
      const paths = ['/portal', `/portal/subscriptions/${c.subscriptionId}`, '/portal/invoices', `/portal/invoices/${c.invoiceId}`, `/portal/invoices/${c.invoiceId}/qr.svg`, '/portal/payments', '/portal/profile'];
      const responses = [
        ...(await Promise.all(paths.map((p) => page(session.cookie, p)))),
        await t.http().get(`/p/${link.token}`),
        await t.http().get('/p/not-a-token'),
        await t.http().get('/portal/signed-out'),
        await t.http().get('/portal'),
        await page(session.cookie, '/portal/invoices/inv_AAAAAAAAAAAAAAAAAAAAAA'),
      ];
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 404, 200, 401, 404]);
      const nonces: string[] = [];
      for (const res of responses) {
        const csp = res.headers['content-security-policy'] as string;
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("object-src 'none'");
        expect(csp).toContain("base-uri 'none'");
        expect(csp).toContain("default-src 'self'");
        expect(csp).not.toContain("'unsafe-inline'");
        const nonce = /script-src [^;]*'nonce-([^']+)'/.exec(csp)?.[1];
        expect(nonce).toBeDefined();
        nonces.push(nonce!);
        expect(res.headers['strict-transport-security']).toMatch(/max-age=(\d+)/);
        expect(Number(/max-age=(\d+)/.exec(res.headers['strict-transport-security'])![1])).toBeGreaterThanOrEqual(31_536_000);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['x-powered-by']).toBeUndefined();
        expect(res.headers['content-type']).toMatch(/charset=utf-8/i);
      }
      expect(new Set(nonces).size).toBe(nonces.length);
      // The nonce in the header is the one the page's script tag carries.
      const invoicePage = responses[3];
      const scriptNonce = /<script nonce="([^"]+)"/.exec(invoicePage.text)?.[1];
      expect(scriptNonce).toBe(/'nonce-([^']+)'/.exec(invoicePage.headers['content-security-policy'] as string)?.[1]);
    });

    it('two requests for the same page carry different nonces', async () => {
      const session = await openPortal(t, m, c.id);
      const [a, b] = [await page(session.cookie), await page(session.cookie)];
      const nonceOf = (csp: string) => /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonceOf(a.headers['content-security-policy'])).toBeDefined();
      expect(nonceOf(a.headers['content-security-policy'])).not.toBe(nonceOf(b.headers['content-security-policy']));
    });
  });

  describe('deep links', () => {
    beforeAll(async () => {
      c = await createPortalCustomer(m, { email: 'deep@example.com' });
    });

    it('initialPage invoice:<id> lands on that invoice', async () => {
      const link = await mintLink(m, c.id, { initialPage: `invoice:${c.invoiceId}` });
      const session = await exchange(t, link.token);
      expect(session.response.headers.location).toBe(`/portal/invoices/${c.invoiceId}`);
      const res = await page(session.cookie, session.response.headers.location);
      expect(res.status).toBe(200);
      expect(res.text).toContain(c.invoiceNumber);
    });

    it.each([
      ['invoices', '/portal/invoices'],
      ['payments', '/portal/payments'],
      ['profile', '/portal/profile'],
      ['overview', '/portal'],
    ])('initialPage %s → %s', async (initialPage, location) => {
      const session = await exchange(t, (await mintLink(m, c.id, { initialPage })).token);
      expect(session.response.headers.location).toBe(location);
    });

    it("a deep link to another customer's invoice opens onto a 404, not their invoice", async () => {
      const other = await createPortalCustomer(m, { email: 'bob@example.com', name: 'Bob' });
      const session = await exchange(t, (await mintLink(m, c.id, { initialPage: `invoice:${other.invoiceId}` })).token);
      expect(session.response.headers.location).toBe(`/portal/invoices/${other.invoiceId}`);
      const res = await page(session.cookie, session.response.headers.location);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain(other.invoiceNumber);
    });
  });

  describe('sessions end with the account', () => {
    it('a session stops working once its customer is deleted or its merchant disabled', async () => {
      const shop = await createPortalMerchant(t);
      const one = await createPortalCustomer(shop);
      const two = await createPortalCustomer(shop, { email: 'two@example.com' });
      const first = await openPortal(t, shop, one.id);
      const second = await openPortal(t, shop, two.id);
      expect((await page(first.cookie)).status).toBe(200);

      await db(t).query(`UPDATE customer SET deleted_at = now() WHERE id = $1`, [one.id]);
      expectEnded(await page(first.cookie));
      expect((await page(second.cookie)).status).toBe(200);

      await db(t).query(`UPDATE merchant SET status = 'disabled' WHERE id = $1`, [shop.id]);
      expectEnded(await page(second.cookie));
      expectEnded(await page(second.cookie, `/portal/invoices/${two.invoiceId}/qr.svg`));
    });
  });
});
