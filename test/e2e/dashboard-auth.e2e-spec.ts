import { DataSource } from 'typeorm';
import { createTestApp, type TestApp } from '../app';
import { createPortalMerchant, freshIp, suiteEnv, type PortalMerchant } from '../support/portal';
import { cookieValue, createStaff, DASHBOARD_COOKIE, get, hiddenCsrf, PASSWORD, post, postSignIn, setCookies, signIn, signInForm, type StaffSession } from '../support/dashboard';

// Staff sign-in and sessions (R13, R14 applied to /dashboard): uniform failures, throttling per
// address and per email, cookie attributes, timeouts, sign-out, CSRF and Fetch Metadata, the
// one-time password an operator hands out.

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;

describe('dashboard sign-in and sessions', () => {
  let t: TestApp;
  let m: PortalMerchant;
  let email: string;

  const sessionsOf = async (userId: string): Promise<number> =>
    Number(((await t.app.get(DataSource).query(`SELECT count(*)::text AS n FROM dashboard_session WHERE user_id = $1`, [userId])) as { n: string }[])[0].n);

  beforeAll(async () => {
    t = await createTestApp({ env: suiteEnv('dashboard-auth') });
    m = await createPortalMerchant(t, { name: 'Sign-in Shop' });
    email = (await createStaff(t, m.id, { email: 'owner@signin-shop.example' })).email;
  });

  afterAll(async () => {
    await t.close();
  });

  describe('sign-in', () => {
    it('sets a __Host- session cookie (Secure, HttpOnly, SameSite=Lax, Path=/) and goes to the overview', async () => {
      const form = await signInForm(t);
      const res = await postSignIn(t, form, { email: 'OWNER@signin-shop.example', password: PASSWORD });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/dashboard');
      const cookies = setCookies(res);
      expect(cookies.find((c) => c.startsWith(DASHBOARD_COOKIE))).toMatch(/^__Host-dashboard_sid=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
      // The sign-in nonce is spent.
      expect(cookies.find((c) => c.startsWith('__Host-dashboard_signin='))).toMatch(/Max-Age=0/);
      const overview = await t.http().get('/dashboard').set('cookie', `${DASHBOARD_COOKIE}=${cookieValue(res, DASHBOARD_COOKIE)}`);
      expect(overview.status).toBe(200);
      expect(overview.text).toContain('Sign-in Shop');
      expect(overview.headers['cache-control']).toBe('no-store');
      expect(overview.headers['content-security-policy']).toMatch(/script-src 'strict-dynamic' 'nonce-/);
      expect(overview.headers['content-type']).toBe('text/html; charset=utf-8');
    });

    it('returns to the page asked for, but only inside the dashboard', async () => {
      const form = await signInForm(t);
      expect((await postSignIn(t, form, { email, password: PASSWORD, next: '/dashboard/payments?filter=unmatched' })).headers.location).toBe('/dashboard/payments?filter=unmatched');
      for (const next of ['https://evil.example/', '//evil.example/dashboard', '/dashboard/../portal', '/\\evil.example']) {
        expect((await postSignIn(t, await signInForm(t), { email, password: PASSWORD, next })).headers.location).toBe('/dashboard');
      }
    });

    it('answers an unknown email and a wrong password with the same page and no session', async () => {
      const [unknown, wrong] = await Promise.all([
        postSignIn(t, await signInForm(t), { email: 'nobody@signin-shop.example', password: PASSWORD }),
        postSignIn(t, await signInForm(t), { email, password: 'not the password at all' }),
      ]);
      for (const res of [unknown, wrong]) {
        expect(res.status).toBe(401);
        expect(res.text).toContain('Wrong email or password.');
        expect(setCookies(res).some((c) => c.startsWith(DASHBOARD_COOKIE))).toBe(false);
      }
      const strip = (html: string) => html.replace(/nonce="[^"]*"/g, '').replace(/value="[^"]*"/g, '');
      expect(strip(unknown.text)).toBe(strip(wrong.text).replace(email, 'nobody@signin-shop.example'));
    });

    it('refuses a sign-in form without its token, with a foreign token, or posted cross-site', async () => {
      const form = await signInForm(t);
      const other = await signInForm(t);
      const cases = [
        postSignIn(t, { ...form, token: '' }, { email, password: PASSWORD }),
        postSignIn(t, { ...form, token: other.token }, { email, password: PASSWORD }),
        postSignIn(t, { nonce: 'x'.repeat(24), token: form.token }, { email, password: PASSWORD }),
        postSignIn(t, form, { email, password: PASSWORD }, { headers: { 'sec-fetch-site': 'cross-site' } }),
        postSignIn(t, form, { email, password: PASSWORD }, { headers: { origin: 'https://evil.example' } }),
      ];
      for (const res of await Promise.all(cases)) {
        expect(res.status).toBe(403);
        expect(setCookies(res).some((c) => c.startsWith(DASHBOARD_COOKIE))).toBe(false);
      }
    });

    it('throttles guessing per email: after 5 failures even the right password gets 429', async () => {
      const target = (await createStaff(t, m.id, { email: 'guessed@signin-shop.example' })).email;
      for (let i = 0; i < 5; i += 1) expect((await postSignIn(t, await signInForm(t), { email: target, password: `wrong-${i}-password` })).status).toBe(401);
      const blocked = await postSignIn(t, await signInForm(t), { email: target, password: PASSWORD });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(blocked.text).toContain('Too many attempts');
      expect(blocked.headers['content-type']).toMatch(/^text\/html/);
      // Other accounts are unaffected.
      expect((await postSignIn(t, await signInForm(t), { email, password: PASSWORD })).status).toBe(303);
    });

    it('throttles one client address after 20 attempts, whatever the emails', async () => {
      const ip = freshIp();
      for (let i = 0; i < 20; i += 1) {
        expect((await postSignIn(t, await signInForm(t), { email: `spray-${i}@signin-shop.example`, password: 'guess guess guess' }, { ip })).status).toBe(401);
      }
      expect((await postSignIn(t, await signInForm(t), { email, password: PASSWORD }, { ip })).status).toBe(429);
      expect((await postSignIn(t, await signInForm(t), { email, password: PASSWORD }, { ip: freshIp() })).status).toBe(303);
    });

    it('records sign-ins and refused sign-ins in the audit log', async () => {
      const user = await createStaff(t, m.id);
      await postSignIn(t, await signInForm(t), { email: user.email, password: 'definitely wrong' });
      await signIn(t, user.email);
      const rows: { action: string; outcome: string; actor_type: string; ip: string | null }[] = await t.app
        .get(DataSource)
        .query(`SELECT action, outcome, actor_type, ip FROM audit_event WHERE target_id = $1 AND action = 'dashboard.sign_in' ORDER BY created_at, id`, [user.id]);
      expect(rows.map((r) => [r.outcome, r.actor_type])).toEqual([
        ['denied', 'dashboard'],
        ['success', 'dashboard'],
      ]);
      expect(rows.every((r) => r.ip)).toBe(true);
    });

    it('replaces a session cookie the browser brought along (no fixation)', async () => {
      const first = await signIn(t, email);
      const form = await signInForm(t);
      const res = await postSignIn(t, form, { email, password: PASSWORD }, { headers: { cookie: `__Host-dashboard_signin=${form.nonce}; ${first.cookie}` } });
      expect(res.status).toBe(303);
      expect(cookieValue(res, DASHBOARD_COOKIE)).not.toBe(first.cookie.split('=')[1]);
      expect((await get(t, first, '/dashboard')).status).toBe(303);
    });
  });

  describe('sessions', () => {
    const expectSignedOut = (res: { status: number; headers: Record<string, unknown> }) => {
      expect(res.status).toBe(303);
      expect(String(res.headers.location)).toMatch(/^\/dashboard\/sign-in/);
    };

    it('sends a visitor without a session to sign in, remembering the page', async () => {
      const res = await t.http().get('/dashboard/customers?q=ada');
      expectSignedOut(res);
      expect(res.headers.location).toBe('/dashboard/sign-in?next=%2Fdashboard%2Fcustomers%3Fq%3Dada');
      expectSignedOut(await t.http().get('/dashboard').set('cookie', `${DASHBOARD_COOKIE}=${'A'.repeat(43)}`));
    });

    it('ends after 30 idle minutes, server-side', async () => {
      const user = await createStaff(t, m.id);
      const s = await signIn(t, user.email);
      t.clock.advance(29 * MINUTE);
      expect((await get(t, s, '/dashboard')).status).toBe(200);
      t.clock.advance(29 * MINUTE);
      expect((await get(t, s, '/dashboard')).status).toBe(200);
      t.clock.advance(30 * MINUTE + 1000);
      expectSignedOut(await get(t, s, '/dashboard'));
      expect(await sessionsOf(user.id)).toBe(0);
    });

    it('ends 12 hours after sign-in however active', async () => {
      const user = await createStaff(t, m.id);
      const s = await signIn(t, user.email);
      for (let elapsed = 0; elapsed < 12 * HOUR - 20 * MINUTE; elapsed += 20 * MINUTE) {
        t.clock.advance(20 * MINUTE);
        expect((await get(t, s, '/dashboard')).status).toBe(200);
      }
      t.clock.advance(20 * MINUTE);
      expectSignedOut(await get(t, s, '/dashboard'));
      expect(await sessionsOf(user.id)).toBe(0);
    });

    it('signs out server-side: the old cookie is worthless afterwards', async () => {
      const user = await createStaff(t, m.id);
      const s = await signIn(t, user.email);
      const res = await post(t, s, '/dashboard/sign-out');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/dashboard/sign-in?notice=signed-out');
      expect(setCookies(res)[0]).toMatch(/^__Host-dashboard_sid=; .*Max-Age=0/);
      expect(await sessionsOf(user.id)).toBe(0);
      expectSignedOut(await get(t, s, '/dashboard'));
    });

    it('ends when the user is disabled', async () => {
      const user = await createStaff(t, m.id);
      const s = await signIn(t, user.email);
      await t.app.get(DataSource).query(`UPDATE dashboard_user SET disabled_at = now() WHERE id = $1`, [user.id]);
      expectSignedOut(await get(t, s, '/dashboard'));
      expect((await postSignIn(t, await signInForm(t), { email: user.email, password: PASSWORD })).status).toBe(401);
    });
  });

  describe('CSRF on every POST', () => {
    let s: StaffSession;
    let other: StaffSession;

    beforeAll(async () => {
      s = await signIn(t, email);
      other = await signIn(t, (await createStaff(t, m.id)).email);
    });

    // The mode switch is the cheapest state change to probe with.
    const attempt = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      t.http().post('/dashboard/mode').set('cookie', s.cookie).set(headers).type('form').send({ mode: 'test', ...form });

    it.each([
      ['a missing token', {}, {}],
      ['a wrong token', { _csrf: 'A'.repeat(43) }, {}],
      ["another session's token", 'other', {}],
      ['Sec-Fetch-Site: cross-site', 'own', { 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site: same-site', 'own', { 'sec-fetch-site': 'same-site' }],
      ['a foreign Origin', 'own', { origin: 'https://evil.example' }],
    ] as const)('refuses %s with 403 and changes nothing', async (_name, token, headers) => {
      const form = token === 'own' ? { _csrf: s.csrf } : token === 'other' ? { _csrf: other.csrf } : token;
      const res = await attempt({ ...form, mode: 'live' }, headers);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('That action was refused');
      const [row] = (await t.app.get(DataSource).query(`SELECT count(*) FILTER (WHERE livemode)::int AS live FROM dashboard_session WHERE user_id = (SELECT id FROM dashboard_user WHERE email = $1)`, [email])) as { live: number }[];
      expect(row.live).toBe(0);
    });

    it('accepts the right token from the same origin, and varies on the Fetch Metadata headers', async () => {
      const res = await attempt({ _csrf: s.csrf }, { 'sec-fetch-site': 'same-origin', origin: 'https://billing.test' });
      expect(res.status).toBe(303);
      expect(res.headers.vary).toContain('Sec-Fetch-Site');
      expect((await attempt({ _csrf: s.csrf }, { origin: 'https://billing.test' })).status).toBe(303);
    });

    it('has no GET for action routes', async () => {
      expect((await get(t, s, '/dashboard/sign-out')).status).toBe(404);
      expect((await get(t, s, '/dashboard/mode')).status).toBe(404);
    });
  });

  describe('one-time password from the operator', () => {
    it('lets the owner in only to choose a new password, which then works and ends other sessions', async () => {
      const created = await createStaff(t, m.id, { password: null });
      expect(created.oneTimePassword).toMatch(/^[A-Za-z2-9]{20}$/);
      const res = await postSignIn(t, await signInForm(t), { email: created.email, password: created.oneTimePassword! });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/dashboard/password');
      const s = { cookie: `${DASHBOARD_COOKIE}=${cookieValue(res, DASHBOARD_COOKIE)}`, csrf: '' };
      expect((await get(t, s, '/dashboard/customers')).headers.location).toBe('/dashboard/password');
      const page = await get(t, s, '/dashboard/password');
      expect(page.status).toBe(200);
      expect(page.text).toContain('one-time password');
      s.csrf = hiddenCsrf(page.text);
      const second = await signIn(t, created.email, created.oneTimePassword!);

      const mismatch = await post(t, s, '/dashboard/password', { currentPassword: created.oneTimePassword!, newPassword: 'a brand new passphrase', confirmPassword: 'a different passphrase' });
      expect(mismatch.status).toBe(400);
      expect(mismatch.text).toContain('The two new passwords differ.');
      const short = await post(t, s, '/dashboard/password', { currentPassword: created.oneTimePassword!, newPassword: 'short', confirmPassword: 'short' });
      expect(short.status).toBe(400);
      expect(short.text).toContain('Use 12 to 256 characters.');
      const wrongCurrent = await post(t, s, '/dashboard/password', { currentPassword: 'not it at all', newPassword: 'a brand new passphrase', confirmPassword: 'a brand new passphrase' });
      expect(wrongCurrent.status).toBe(400);
      expect(wrongCurrent.text).toContain('That is not your current password.');

      const done = await post(t, s, '/dashboard/password', { currentPassword: created.oneTimePassword!, newPassword: 'a brand new passphrase', confirmPassword: 'a brand new passphrase' });
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/dashboard?notice=password-changed');
      expect((await get(t, s, '/dashboard/customers')).status).toBe(200);
      expect((await get(t, second, '/dashboard')).status).toBe(303);
      expect((await postSignIn(t, await signInForm(t), { email: created.email, password: created.oneTimePassword! })).status).toBe(401);
      expect((await postSignIn(t, await signInForm(t), { email: created.email, password: 'a brand new passphrase' })).status).toBe(303);
    });
  });
});
