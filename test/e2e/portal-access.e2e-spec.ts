import { PortalAccessService } from '../../src/portal-access/portal-access.service';
import { createTestApp, type TestApp } from '../app';
import { FakeClock } from '../fakes/clock';
import { createPortalCustomer, createPortalMerchant, db, freshIp, fromAddress, mintLink, suiteEnv, type PortalMerchant } from '../support/portal';
import { startSmtp, type LocalSmtp } from '../support/smtp';

// Access by email: the merchant's hosted entry page mails a fresh single-use link to the address
// on file, answers the same whether or not the address is known, and is rate limited; the failure
// page of a genuine (expired) link offers that merchant's form.


const LINK = /https:\/\/billing\.test\/p\/(pl1\.[A-Za-z0-9_.-]+)/;

describe('portal access by email', () => {
  let t: TestApp;
  let smtp: LocalSmtp;
  let m: PortalMerchant;
  let other: PortalMerchant;
  const clock = new FakeClock('2026-03-01T12:00:00Z');

  const settle = () => t.app.get(PortalAccessService).idle();

  // The entry page from one client address: its nonce cookie and the form's CSRF token.
  async function form(ip: string, slug = m.merchant.slug): Promise<{ cookie: string; csrf: string; text: string }> {
    const page = await fromAddress(t, ip, { method: 'GET', url: `/m/${slug}/portal` });
    expect(page.status).toBe(200);
    const cookie = String(([] as unknown[]).concat(page.headers['set-cookie'])[0]).split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    return { cookie, csrf, text: page.text };
  }

  async function ask(ip: string, email: string, f?: { cookie: string; csrf: string }) {
    const { cookie, csrf } = f ?? (await form(ip));
    return fromAddress(t, ip, { method: 'POST', url: `/m/${m.merchant.slug}/portal`, headers: { cookie, 'sec-fetch-site': 'same-origin' }, form: { _csrf: csrf, email } });
  }

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await createTestApp({ clock, env: suiteEnv('portal-access', { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_FROM: 'Billfold <billing@billfold.test>' }) });
    [m, other] = await Promise.all([createPortalMerchant(t, { name: 'Access Shop' }), createPortalMerchant(t, { name: 'Other Shop' })]);
  }, 60_000);

  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('renders the branded entry page for a slug and 404 for an unknown one', async () => {
    const f = await form(freshIp());
    expect(f.text).toContain('Access Shop billing');
    expect(f.cookie).toMatch(/^__Host-portal_access=[A-Za-z0-9_-]{16,}$/);
    expect(f.csrf).not.toBe('');
    const missing = await t.http().get('/m/no-such-shop-xyz/portal');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/text\/html/);
  });

  it('mails exactly one working single-use link to the stored address, whatever the form spelling', async () => {
    const c = await createPortalCustomer(m, { email: 'Grace.Hopper@Example.com' });
    const before = smtp.mails.length;
    const res = await ask(freshIp(), '  grace.hopper@EXAMPLE.com ');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/m/${m.merchant.slug}/portal?sent=1`);
    await settle();
    const mails = smtp.mails.slice(before);
    expect(mails).toHaveLength(1);
    const [stored] = (await db(t).query(`SELECT email FROM customer WHERE id = $1`, [c.id])) as Array<{ email: string }>;
    expect(stored.email.startsWith('Grace.Hopper@')).toBe(true);
    // The envelope keeps the stored local part; SMTP lower-cases the domain, which is case-insensitive.
    expect(mails[0].to).toEqual(['Grace.Hopper@example.com']);
    const token = LINK.exec(mails[0].raw)?.[1];
    expect(token).toBeDefined();
    const payload = JSON.parse(Buffer.from(token!.split('.')[2], 'base64url').toString('utf8')) as { cid: string; su: boolean; exp: number; iat: number };
    expect(payload).toMatchObject({ cid: c.id, su: true });
    expect(payload.exp - payload.iat).toBe(3600);

    const page = await t.http().get(`/p/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Continue to billing');

    const [audit] = (await db(t).query(`SELECT actor_type, actor_id FROM audit_event WHERE action = 'portal_link.create' AND customer_id = $1`, [c.id])) as Array<{ actor_type: string; actor_id: string }>;
    expect(audit).toEqual({ actor_type: 'system', actor_id: 'email-access' });

    const shown = await t.http().get(res.headers.location as string);
    expect(shown.text).toContain('a billing link is on its way');
  });

  it('answers an unknown address, or another merchant\'s customer, the same way and sends nothing', async () => {
    await createPortalCustomer(other, { email: 'only-other@example.com' });
    const before = smtp.mails.length;
    for (const email of ['nobody-here@example.com', 'only-other@example.com']) {
      const res = await ask(freshIp(), email);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/m/${m.merchant.slug}/portal?sent=1`);
    }
    await settle();
    expect(smtp.mails.length).toBe(before);
  });

  it('rate limits per email address and per client address with a 429 page', async () => {
    const perEmail = 'limit-me@example.com';
    for (let i = 0; i < 3; i++) expect((await ask(freshIp(), perEmail)).status).toBe(303);
    const limited = await ask(freshIp(), ` ${perEmail.toUpperCase()}`);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.text).toContain('Too many attempts');

    const ip = freshIp();
    const f = await form(ip);
    for (let i = 0; i < 10; i++) expect((await ask(ip, `ip-${i}@example.com`, f)).status).toBe(303);
    expect((await ask(ip, 'ip-last@example.com', f)).status).toBe(429);
    await settle();
  });

  it('refuses a missing or foreign CSRF token and a cross-site post with 403', async () => {
    const ip = freshIp();
    const f = await form(ip);
    const url = `/m/${m.merchant.slug}/portal`;
    const noToken = await fromAddress(t, ip, { method: 'POST', url, headers: { cookie: f.cookie }, form: { email: 'a@example.com' } });
    expect(noToken.status).toBe(403);
    const noCookie = await fromAddress(t, ip, { method: 'POST', url, form: { _csrf: f.csrf, email: 'a@example.com' } });
    expect(noCookie.status).toBe(403);
    const otherForm = await form(ip, other.merchant.slug);
    const foreign = await fromAddress(t, ip, { method: 'POST', url, headers: { cookie: otherForm.cookie }, form: { _csrf: otherForm.csrf, email: 'a@example.com' } });
    expect(foreign.status).toBe(403);
    const crossSite = await fromAddress(t, ip, { method: 'POST', url, headers: { cookie: f.cookie, 'sec-fetch-site': 'cross-site' }, form: { _csrf: f.csrf, email: 'a@example.com' } });
    expect(crossSite.status).toBe(403);
    const extra = await fromAddress(t, ip, { method: 'POST', url, headers: { cookie: f.cookie }, form: { _csrf: f.csrf, email: 'a@example.com', merchantId: 'x' } });
    expect(extra.status).toBe(400);
  });

  it('offers the fresh-link form for an expired link of a known merchant, and nothing for a garbage token', async () => {
    const c = await createPortalCustomer(m, { email: 'expired@example.com' });
    const link = await mintLink(m, c.id, { expiresIn: 60 });
    clock.advance(120_000);
    const expired = await t.http().get(`/p/${link.token}`);
    expect(expired.status).toBe(404);
    expect(expired.text).toContain(`action="/m/${m.merchant.slug}/portal"`);
    expect(expired.text).toContain('Email me a fresh link');
    // A failure leaves no state behind: the form's token is signed, not bound to a cookie.
    expect(expired.headers['set-cookie']).toBeUndefined();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(expired.text)?.[1] ?? '';

    // That token needs a positive same-origin signal from the browser, and only fits this merchant.
    const url = `/m/${m.merchant.slug}/portal`;
    expect((await t.http().post(url).type('form').send({ _csrf: csrf, email: 'expired@example.com' })).status).toBe(403);
    expect((await t.http().post(`/m/${other.merchant.slug}/portal`).set('sec-fetch-site', 'same-origin').type('form').send({ _csrf: csrf, email: 'expired@example.com' })).status).toBe(403);

    // The form on the failure page, posted by the browser, works as the entry page's does.
    const before = smtp.mails.length;
    const res = await t.http().post(url).set('sec-fetch-site', 'same-origin').type('form').send({ _csrf: csrf, email: 'expired@example.com' });
    expect(res.status).toBe(303);
    await settle();
    expect(smtp.mails.slice(before).map((x) => x.to)).toEqual([['expired@example.com']]);

    for (const garbage of ['garbage', `${link.token.slice(0, -4)}AAAA`]) {
      const page = await t.http().get(`/p/${garbage}`);
      expect(page.status).toBe(404);
      expect(page.text).toContain('This link can');
      expect(page.text).not.toContain('/m/');
      expect(page.text).not.toContain('fresh link');
    }
  });
});
