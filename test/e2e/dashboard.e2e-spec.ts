import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { WebhookDeliveryService } from '../../src/webhooks/webhook-delivery.service';
import { api, createTestApp, type TestApp } from '../app';
import { createPortalCustomer, exchange, suiteEnv, tokenOf } from '../support/portal';
import { createStaff, get, insertPayment, post, seedShop, signIn, type Shop, type StaffSession } from '../support/dashboard';
import { startSmtp, type LocalSmtp } from '../support/smtp';

// The dashboard's pages and actions against real PostgreSQL and Redis: every page renders with
// its own merchant's data only, another merchant's ids answer 404, and each action lands through
// the same services as the API (audited as the dashboard user).


const LINK = /https:\/\/billing\.test\/p\/pl1\.[A-Za-z0-9_.-]+/;

describe('merchant dashboard', () => {
  let t: TestApp;
  let smtp: LocalSmtp;
  let a: Shop;
  let b: Shop;
  let sa: StaffSession;
  let sb: StaffSession;
  let ds: DataSource;

  const q = <T>(sql: string, params: unknown[] = []): Promise<T[]> => ds.query(sql, params) as Promise<T[]>;
  const lastAudit = async (action: string, targetId: string) =>
    (await q<{ actor_type: string; actor_id: string; changes: unknown }>(`SELECT actor_type, actor_id, changes FROM audit_event WHERE action = $1 AND target_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1`, [action, targetId]))[0];

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await createTestApp({
      env: suiteEnv('dashboard', { WEBHOOK_ALLOW_LOOPBACK: 'true', SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_FROM: 'Billfold <billing@billfold.test>' }),
    });
    ds = t.app.get(DataSource);
    a = await seedShop(t, { name: 'Shop A' });
    b = await seedShop(t, { name: 'Shop B' });
    [sa, sb] = await Promise.all([signIn(t, a.owner.email), signIn(t, b.owner.email)]);
  }, 60_000);

  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  function idsOf(shop: Shop): string[] {
    return [shop.merchant.id, shop.ada.id, shop.grace.id, shop.linus.id, shop.ada.invoiceId, shop.grace.invoiceId, shop.unmatchedPaymentId, shop.reversedPaymentId, shop.matchedPaymentId];
  }

  describe('pages', () => {
    const pages = (s: Shop) => [
      '/dashboard',
      '/dashboard/customers',
      '/dashboard/customers?q=ada',
      `/dashboard/customers/${s.ada.id}`,
      `/dashboard/customers/${s.grace.id}`,
      '/dashboard/payments',
      '/dashboard/payments?filter=unmatched',
      '/dashboard/payments?filter=reversed',
      '/dashboard/settings',
      '/dashboard/api-keys',
      '/dashboard/webhooks',
      '/dashboard/password',
    ];

    it.each(pages({ ada: { id: ':ada' }, grace: { id: ':grace' } } as Shop))("%s renders for the owner with the merchant's own data only", async (template) => {
      const path = template.replace(':ada', a.ada.id).replace(':grace', a.grace.id);
      const res = await get(t, sa, path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain('Shop A');
      const foreign = [...idsOf(b), 'Shop B', b.owner.email].filter((needle) => res.text.includes(needle));
      expect(foreign).toEqual([]);
    });

    it('the overview counts, charts and chain lag come from the data', async () => {
      const res = await get(t, sa, '/dashboard');
      expect(res.text).toMatch(/<span class="stat-value">3<\/span><span class="badge badge-success">Active<\/span>/);
      // Three paid days in the window (a 21-day-old payment is inside it too): three bars.
      expect((res.text.match(/<rect /g) ?? []).length).toBe(3);
      expect(res.text).toContain('USDC revenue per day');
      expect(res.text).toContain('Anvil devnet');
      expect(res.text).toContain('Up to date');
    });

    it('the customer page shows subscriptions, invoices, payments, wallets and activity', async () => {
      const res = await get(t, sa, `/dashboard/customers/${a.grace.id}`);
      for (const text of ['Team', a.grace.invoiceNumber, a.wallet, 'Customer created', 'Subscription created', 'Final']) expect(res.text).toContain(text);
    });

    it('search finds customers by email, name, external id, id and paying wallet', async () => {
      await api(t, a.merchant.key).patch(`/api/v1/customers/${a.linus.id}`, { externalId: 'crm-4711' }).expect(200);
      const found = async (query: string) => {
        const res = await get(t, sa, `/dashboard/customers?q=${encodeURIComponent(query)}`);
        expect(res.status).toBe(200);
        return [a.ada.id, a.grace.id, a.linus.id].filter((id) => res.text.includes(id));
      };
      expect(await found('ada-')).toEqual([a.ada.id]);
      expect(await found('grace hopper')).toEqual([a.grace.id]);
      expect(await found('crm-47')).toEqual([a.linus.id]);
      expect(await found(a.linus.id)).toEqual([a.linus.id]);
      expect(await found(a.wallet.toUpperCase().replace('0X', '0x'))).toEqual([a.grace.id]);
      expect(await found('%')).toEqual([]);
    });

    it('prints stored markup as text', async () => {
      const evil = await createPortalCustomer(a.merchant, { email: 'xss@example.com', name: '<script>alert(1)</script>' });
      const [list, page] = await Promise.all([get(t, sa, '/dashboard/customers?q=xss'), get(t, sa, `/dashboard/customers/${evil.id}`)]);
      for (const res of [list, page]) {
        expect(res.text).not.toContain('<script>alert(1)');
        expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      }
    });

    it('an unknown dashboard route is an HTML 404', async () => {
      const res = await get(t, sa, '/dashboard/nope');
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
    });
  });

  describe("another merchant's ids", () => {
    let snapshot: unknown;
    const snapshotOfA = async () => ({
      customers: await q(`SELECT id, portal_token_epoch FROM customer WHERE merchant_id = $1 ORDER BY id`, [a.merchant.id]),
      links: await q(`SELECT id FROM portal_link WHERE merchant_id = $1 ORDER BY id`, [a.merchant.id]),
      payments: await q(`SELECT id, invoice_id FROM payment WHERE merchant_id = $1 ORDER BY id`, [a.merchant.id]),
      keys: await q(`SELECT id, revoked_at FROM api_key WHERE merchant_id = $1 ORDER BY id`, [a.merchant.id]),
      endpoints: await q(`SELECT id, status, secret_enc, deleted_at FROM webhook_endpoint WHERE merchant_id = $1 ORDER BY id`, [a.merchant.id]),
      merchant: await q(`SELECT branding, portal_settings, receiving_addresses FROM merchant WHERE id = $1`, [a.merchant.id]),
    });
    let aKey: string;
    let aEndpoint: string;
    let aEvent: string;

    beforeAll(async () => {
      aKey = ((await q<{ id: string }>(`SELECT id FROM api_key WHERE merchant_id = $1 LIMIT 1`, [a.merchant.id]))[0]).id;
      const created = await post(t, sa, '/dashboard/webhooks/endpoints', { url: 'http://127.0.0.1:9/a-hook' });
      expect(created.status).toBe(200);
      aEndpoint = ((await q<{ id: string }>(`SELECT id FROM webhook_endpoint WHERE merchant_id = $1 LIMIT 1`, [a.merchant.id]))[0]).id;
      aEvent = ((await q<{ id: string }>(`SELECT id FROM outbox_event WHERE merchant_id = $1 LIMIT 1`, [a.merchant.id]))[0]).id;
      snapshot = await snapshotOfA();
    });

    const routes: [string, 'GET' | 'POST', () => string, () => Record<string, string>][] = [
      ['GET customer', 'GET', () => `/dashboard/customers/${a.ada.id}`, () => ({})],
      ['generate a link', 'POST', () => `/dashboard/customers/${a.ada.id}/portal-links`, () => ({ lifetimeMinutes: '30' })],
      ['email a link', 'POST', () => `/dashboard/customers/${a.ada.id}/portal-links/email`, () => ({})],
      ['revoke all links', 'POST', () => `/dashboard/customers/${a.ada.id}/portal-links/revoke`, () => ({})],
      ["assign A's payment to B's invoice", 'POST', () => `/dashboard/payments/${a.unmatchedPaymentId}/assign`, () => ({ invoiceId: b.ada.invoiceId })],
      ["assign B's payment to A's invoice", 'POST', () => `/dashboard/payments/${b.unmatchedPaymentId}/assign`, () => ({ invoiceId: a.ada.invoiceId })],
      ['revoke an API key', 'POST', () => `/dashboard/api-keys/${aKey}/revoke`, () => ({})],
      ['rotate an endpoint secret', 'POST', () => `/dashboard/webhooks/endpoints/${aEndpoint}/rotate-secret`, () => ({})],
      ['send a test event', 'POST', () => `/dashboard/webhooks/endpoints/${aEndpoint}/test`, () => ({})],
      ['disable an endpoint', 'POST', () => `/dashboard/webhooks/endpoints/${aEndpoint}/disable`, () => ({})],
      ['delete an endpoint', 'POST', () => `/dashboard/webhooks/endpoints/${aEndpoint}/delete`, () => ({})],
      ['GET an event', 'GET', () => `/dashboard/webhooks/events/${aEvent}`, () => ({})],
      ['redeliver an event', 'POST', () => `/dashboard/webhooks/events/${aEvent}/redeliver`, () => ({})],
    ];

    it.each(routes)("%s as B answers 404 and leaks nothing", async (_name, method, path, form) => {
      const res = method === 'GET' ? await get(t, sb, path()) : await post(t, sb, path(), form());
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).not.toContain(a.merchant.id);
      expect(res.text).not.toContain('Shop A');
    });

    it("B's searches never find A's customers", async () => {
      for (const query of [a.ada.id, 'ada-', a.wallet, 'Grace']) {
        const res = await get(t, sb, `/dashboard/customers?q=${encodeURIComponent(query)}`);
        // The page repeats the query itself; nothing else of A's may appear.
        expect(idsOf(a).filter((id) => id !== query && res.text.includes(id))).toEqual([]);
        expect(res.text).not.toContain('Shop A');
      }
    });

    it("leaves every one of A's objects as it was", async () => {
      expect(await snapshotOfA()).toEqual(snapshot);
    });

    it('the other mode is another world too: test ids are not found in live mode', async () => {
      const live = await signIn(t, (await createStaff(t, a.merchant.id, { role: 'staff' })).email);
      expect((await post(t, live, '/dashboard/mode', { mode: 'live', back: '/dashboard/customers' })).headers.location).toBe('/dashboard/customers');
      const list = await get(t, live, '/dashboard/customers');
      expect(list.text).toContain('No customers in this mode yet');
      expect((await get(t, live, `/dashboard/customers/${a.ada.id}`)).status).toBe(404);
      expect((await get(t, live, '/dashboard/payments')).text).not.toContain(a.unmatchedPaymentId);
    });
  });

  describe('portal links', () => {
    it('generates a link that opens the portal on the chosen page, once, and audits it as the dashboard user', async () => {
      const customer = await createPortalCustomer(a.merchant, { email: 'links@example.com' });
      const res = await post(t, sa, `/dashboard/customers/${customer.id}/portal-links`, {
        lifetimeMinutes: '30',
        singleUse: 'on',
        initialPage: `pay:${customer.invoiceId}`,
        returnUrl: 'https://app.acme.example/account',
      });
      expect(res.status).toBe(200);
      const url = LINK.exec(res.text)![0];
      expect(res.text).toContain('It is shown only now and opens once');
      const opened = await exchange(t, tokenOf(url));
      expect(opened.response.headers.location).toBe(`/portal/invoices/${customer.invoiceId}`);
      expect((await t.http().post('/p/exchange').type('form').send({ token: tokenOf(url) })).status).toBe(404);

      const [link] = await q<{ id: string; created_by: string; single_use: boolean; return_url: string; expires_at: Date; created_at: Date }>(
        `SELECT id, created_by, single_use, return_url, expires_at, created_at FROM portal_link WHERE customer_id = $1`,
        [customer.id],
      );
      expect(link.created_by).toBe(a.owner.id);
      expect(link.single_use).toBe(true);
      expect(link.return_url).toBe('https://app.acme.example/account');
      const audit = await lastAudit('portal_link.create', link.id);
      expect(audit).toMatchObject({ actor_type: 'dashboard', actor_id: a.owner.id });
      const [event] = await q<{ data: { initiated_by: string } }>(`SELECT data FROM outbox_event WHERE type = 'portal.link_created' AND data->'object'->>'id' = $1`, [link.id]);
      expect(event.data.initiated_by).toBe('dashboard');
      expect(JSON.stringify(event.data)).not.toContain('pl1.');
    });

    it.each([
      ['a lifetime of 0 minutes', { lifetimeMinutes: '0' }, 'A whole number of minutes from 1 to 1440.'],
      ['a lifetime over a day', { lifetimeMinutes: '1441' }, 'A whole number of minutes from 1 to 1440.'],
      ['a return URL outside the allowed prefixes', { lifetimeMinutes: '30', returnUrl: 'https://evil.example/' }, 'Not under one of your allowed return-URL prefixes'],
      ['an http return URL', { lifetimeMinutes: '30', returnUrl: 'http://app.acme.example/' }, 'An https:// URL.'],
      ['an unknown deep link', { lifetimeMinutes: '30', initialPage: 'admin' }, 'Choose a page from the list.'],
    ])('refuses %s with a 400 form and mints nothing', async (_name, form, message) => {
      const before = await q<{ n: string }>(`SELECT count(*)::text AS n FROM portal_link WHERE customer_id = $1`, [a.linus.id]);
      const res = await post(t, sa, `/dashboard/customers/${a.linus.id}/portal-links`, form);
      expect(res.status).toBe(400);
      expect(res.text).toContain(message);
      expect(res.text).not.toMatch(LINK);
      expect(await q(`SELECT count(*)::text AS n FROM portal_link WHERE customer_id = $1`, [a.linus.id])).toEqual(before);
    });

    it('revoke all ends every link and open portal session of the customer', async () => {
      const customer = await createPortalCustomer(a.merchant, { email: 'revoke@example.com' });
      const res = await post(t, sa, `/dashboard/customers/${customer.id}/portal-links`, { lifetimeMinutes: '60' });
      const url = LINK.exec(res.text)![0];
      const session = await exchange(t, tokenOf(url));
      expect((await t.http().get('/portal').set('cookie', session.cookie)).status).toBe(200);

      const revoked = await post(t, sa, `/dashboard/customers/${customer.id}/portal-links/revoke`);
      expect(revoked.status).toBe(303);
      expect(revoked.headers.location).toBe(`/dashboard/customers/${customer.id}?notice=links-revoked`);
      expect((await t.http().get(`/p/${tokenOf(url)}`)).status).toBe(404);
      expect((await t.http().get('/portal').set('cookie', session.cookie)).status).toBe(401);
      expect(await lastAudit('portal_link.revoke_all', customer.id)).toMatchObject({ actor_type: 'dashboard', actor_id: a.owner.id });
      expect((await get(t, sa, revoked.headers.location)).text).toContain('Every portal link of this customer was revoked');
    });

    it("emails a fresh link to the customer's own address", async () => {
      const customer = await createPortalCustomer(a.merchant, { email: 'mailme@example.com', name: 'Mae' });
      const res = await post(t, sa, `/dashboard/customers/${customer.id}/portal-links/email`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/dashboard/customers/${customer.id}?notice=link-emailed`);
      const mail = smtp.mails.find((m) => m.to.includes('mailme@example.com'));
      expect(mail?.raw).toContain('Subject: Your billing portal link for Shop A');
      const url = LINK.exec(mail!.raw)![0];
      expect((await exchange(t, tokenOf(url))).response.headers.location).toBe('/portal');
      const [link] = await q<{ id: string }>(`SELECT id FROM portal_link WHERE customer_id = $1`, [customer.id]);
      const audit = await lastAudit('portal_link.email', link.id);
      expect(audit.actor_type).toBe('dashboard');
      expect(JSON.stringify(audit)).not.toContain('pl1.');
    });
  });

  describe('payments', () => {
    it('assigns an unmatched payment to an invoice, settles it and audits the dashboard user', async () => {
      const customer = await createPortalCustomer(a.merchant, { email: 'assign@example.com' });
      const [{ token }] = await q<{ token: string }>(`SELECT token FROM invoice WHERE id = $1`, [customer.invoiceId]);
      const paymentId = await insertPayment(t, { merchantId: a.merchant.id, amount: customer.amountDue, state: 'confirmed', token });
      const page = await get(t, sa, '/dashboard/payments?filter=unmatched');
      expect(page.text).toContain(`<option value="${customer.invoiceId}">★ ${customer.invoiceNumber}`);

      const res = await post(t, sa, `/dashboard/payments/${paymentId}/assign`, { invoiceId: customer.invoiceId });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/dashboard/payments?notice=payment-assigned');
      const [payment] = await q<{ invoice_id: string; matched_by: string; customer_id: string }>(`SELECT invoice_id, matched_by, customer_id FROM payment WHERE id = $1`, [paymentId]);
      expect(payment).toEqual({ invoice_id: customer.invoiceId, matched_by: 'manual', customer_id: customer.id });
      const [invoice] = await q<{ status: string }>(`SELECT status FROM invoice WHERE id = $1`, [customer.invoiceId]);
      expect(invoice.status).toBe('paid');
      expect(await lastAudit('payment.assign', paymentId)).toMatchObject({ actor_type: 'dashboard', actor_id: a.owner.id });
      const [event] = await q<{ data: { initiated_by: string } }>(`SELECT data FROM outbox_event WHERE type = 'payment.matched' AND data->'object'->>'id' = $1`, [paymentId]);
      expect(event.data.initiated_by).toBe('dashboard');

      const again = await post(t, sa, `/dashboard/payments/${paymentId}/assign`, { invoiceId: customer.invoiceId });
      expect(again.status).toBe(409);
      expect(again.text).toContain('already attached');
    });

    it('refuses a reversed payment and an empty invoice with an error page', async () => {
      expect((await post(t, sa, `/dashboard/payments/${a.reversedPaymentId}/assign`, { invoiceId: a.linus.invoiceId })).status).toBe(422);
      const empty = await post(t, sa, `/dashboard/payments/${a.unmatchedPaymentId}/assign`, { invoiceId: '' });
      expect(empty.status).toBe(400);
      expect(empty.text).toContain('Choose an invoice');
    });
  });

  describe('settings', () => {
    const merchantRow = async () => (await q(`SELECT name, branding, portal_settings, billing_settings, return_url_prefixes, embed_origins, default_link_ttl_seconds, receiving_addresses FROM merchant WHERE id = $1`, [b.merchant.id]))[0];

    it('saves branding through the API rules and audits the dashboard user', async () => {
      const res = await post(t, sb, '/dashboard/settings/branding', {
        logoUrl: 'https://cdn.shop-b.example/logo.svg',
        primaryColor: '#7b2ff7',
        accentColor: '#00aa88',
        footerText: 'Shop B Ltd',
        supportEmail: 'help@shop-b.example',
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/dashboard/settings?notice=saved#branding');
      const merchant = (await api(t, b.merchant.key).get('/api/v1/merchant')).body;
      expect(merchant.branding).toEqual({ logoUrl: 'https://cdn.shop-b.example/logo.svg', primaryColor: '#7b2ff7', accentColor: '#00aa88', footerText: 'Shop B Ltd', supportEmail: 'help@shop-b.example' });
      expect(await lastAudit('merchant.update', b.merchant.id)).toMatchObject({ actor_type: 'dashboard', actor_id: b.owner.id });
      const page = await get(t, sb, '/dashboard/settings?notice=saved');
      expect(page.text).toContain('Settings saved.');
      // The preview uses the saved colours, through the nonce'd style element.
      expect(page.text).toMatch(/<style nonce="[^"]+">\.preview \{ --brand: #7b2ff7; --accent: #00aa88; \}<\/style>/);
    });

    it('saves portal settings, links and addresses', async () => {
      const [plan] = await q<{ id: string }>(`SELECT id FROM plan WHERE merchant_id = $1 AND name = 'Team'`, [b.merchant.id]);
      expect(
        (
          await post(t, sb, '/dashboard/settings/portal', {
            cancel: 'on',
            cancelMode: 'immediately',
            pause: 'on',
            maxPauseDays: '30',
            switchPlan: 'on',
            allowedPlanSwitches: [plan.id],
            invoiceDownload: 'on',
            cancellationReasons: 'Too expensive\r\nMoving on\r\n',
            linkLifetimeMinutes: '45',
          })
        ).status,
      ).toBe(303);
      expect((await post(t, sb, '/dashboard/settings/urls', { returnUrlPrefixes: 'https://app.shop-b.example/\nhttps://shop-b.example/account/', embedOrigins: 'https://app.shop-b.example' })).status).toBe(303);
      expect((await post(t, sb, '/dashboard/settings/addresses', { address_31337: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc' })).status).toBe(303);
      const row = (await merchantRow()) as Record<string, unknown>;
      expect(row.portal_settings).toEqual({
        cancel: true,
        cancelMode: 'immediately',
        pause: true,
        maxPauseDays: 30,
        switchPlan: true,
        allowedPlanSwitches: [plan.id],
        profileEdit: false,
        walletLink: false,
        invoiceDownload: true,
        cancellationReasons: ['Too expensive', 'Moving on'],
      });
      expect(row.default_link_ttl_seconds).toBe(2700);
      expect(row.return_url_prefixes).toEqual(['https://app.shop-b.example/', 'https://shop-b.example/account/']);
      expect(row.embed_origins).toEqual(['https://app.shop-b.example']);
      expect(row.receiving_addresses).toEqual({ '31337': '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' });
    });

    it('chooses whether payment claims wait for review: review until saved otherwise, the other billing settings kept', async () => {
      // A merchant from before the setting has no key in its billing settings.
      await q(`UPDATE merchant SET billing_settings = billing_settings - 'claims' WHERE id = $1`, [b.merchant.id]);
      const { billingSettings: before } = (await api(t, b.merchant.key).get('/api/v1/merchant')).body;
      expect(before.claims).toBeUndefined();
      const choice = (html: string) => html.match(/<input type="radio" name="claims" value="(review|auto)" checked>/)?.[1];
      expect(choice((await get(t, sb, '/dashboard/settings')).text)).toBe('review');

      const res = await post(t, sb, '/dashboard/settings/claims', { claims: 'auto' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/dashboard/settings?notice=saved#claims');
      const merchant = (await api(t, b.merchant.key).get('/api/v1/merchant')).body;
      expect(merchant.billingSettings).toEqual({ ...before, claims: 'auto' });
      expect(await lastAudit('merchant.update', b.merchant.id)).toMatchObject({ actor_type: 'dashboard', actor_id: b.owner.id });
      expect(choice((await get(t, sb, '/dashboard/settings')).text)).toBe('auto');

      expect((await post(t, sb, '/dashboard/settings/claims', { claims: 'review' })).status).toBe(303);
      expect((await api(t, b.merchant.key).get('/api/v1/merchant')).body.billingSettings.claims).toBe('review');
    });

    it.each([
      ['claims', { claims: 'sometimes' }, ['choose whether claims wait for your review']],
      ['branding', { logoUrl: 'http://cdn.example/logo.png', primaryColor: 'red', accentColor: '#00aa88', supportEmail: 'nope' }, ['logoUrl', 'an https:// URL', 'a hex colour like #1f4fd1', 'an email address such as']],
      ['portal', { cancelMode: 'sometimes', maxPauseDays: '0', linkLifetimeMinutes: '2000', cancellationReasons: 'ok' }, ['choose when a cancellation takes effect', 'a whole number of days from 1 to 365', 'a whole number of minutes from 1 to 1440']],
      ['addresses', { address_31337: '0x1234' }, ['must be a 0x address']],
      ['urls', { returnUrlPrefixes: 'https://fine.example/\nhttp://insecure.example/', embedOrigins: 'https://app.example/path' }, ['Line 2:', 'an https origin such as']],
    ] as const)('refuses bad %s input with field errors (400) and saves nothing', async (section, form, messages) => {
      const before = await merchantRow();
      const res = await post(t, sb, `/dashboard/settings/${section}`, form as Record<string, string>);
      expect(res.status).toBe(400);
      expect(res.text).toContain('Nothing was saved');
      for (const message of messages) expect(res.text).toContain(message);
      expect(await merchantRow()).toEqual(before);
    });

    it('rejects an unknown settings section', async () => {
      expect((await post(t, sb, '/dashboard/settings/secrets', {})).status).toBe(400);
    });
  });

  describe('API keys', () => {
    it('creates a key with chosen scopes, shows its secret once, and revokes it', async () => {
      const res = await post(t, sa, '/dashboard/api-keys', { name: 'Reporting', scopeSet: 'custom', scopes: ['invoices:read', 'customers:read'] });
      expect(res.status).toBe(200);
      const secret = /sk_test_[A-Za-z0-9]+/.exec(res.text)![0];
      const client = api(t, secret);
      expect((await client.get('/api/v1/invoices')).status).toBe(200);
      expect((await client.post('/api/v1/customers', { email: 'no@example.com' })).status).toBe(403);
      const [key] = await q<{ id: string; scopes: string[]; created_by: string; livemode: boolean }>(`SELECT id, scopes, created_by, livemode FROM api_key WHERE merchant_id = $1 AND name = 'Reporting'`, [a.merchant.id]);
      expect(key).toMatchObject({ scopes: ['invoices:read', 'customers:read'], created_by: `dashboard:${a.owner.id}`, livemode: false });
      expect(await lastAudit('api_key.create', key.id)).toMatchObject({ actor_type: 'dashboard', actor_id: a.owner.id });
      // Shown once: the list page never prints it.
      expect((await get(t, sa, '/dashboard/api-keys')).text).not.toContain(secret);

      const revoked = await post(t, sa, `/dashboard/api-keys/${key.id}/revoke`);
      expect(revoked.status).toBe(303);
      expect((await client.get('/api/v1/invoices')).status).toBe(401);
      expect(await lastAudit('api_key.revoke', key.id)).toMatchObject({ actor_type: 'dashboard', actor_id: a.owner.id });
    });

    it('refuses a key without a name or without scopes, creating nothing', async () => {
      const before = await q(`SELECT id FROM api_key WHERE merchant_id = $1`, [a.merchant.id]);
      const noName = await post(t, sa, '/dashboard/api-keys', { name: '', scopeSet: 'all' });
      expect(noName.status).toBe(400);
      expect(noName.text).toContain('Give the key a name');
      const noScopes = await post(t, sa, '/dashboard/api-keys', { name: 'Empty', scopeSet: 'custom' });
      expect(noScopes.status).toBe(400);
      expect(noScopes.text).toContain('Choose at least one scope');
      const unknown = await post(t, sa, '/dashboard/api-keys', { name: 'Odd', scopeSet: 'custom', scopes: ['refunds:write'] });
      expect(unknown.status).toBe(400);
      expect(await q(`SELECT id FROM api_key WHERE merchant_id = $1`, [a.merchant.id])).toEqual(before);
    });
  });

  describe('webhooks', () => {
    let receiver: Server;
    let hook: string;

    beforeAll(async () => {
      // A receiver that is down for maintenance: every attempt is logged with its answer.
      receiver = createServer((_req, res) => void res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance'));
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
      hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/b-hook`;
    });

    afterAll(async () => {
      await new Promise<void>((r) => receiver.close(() => r()));
    });

    it('adds an endpoint (secret shown once), sends a test event, rotates, disables, enables and deletes it', async () => {
      const created = await post(t, sb, '/dashboard/webhooks/endpoints', { url: hook, description: 'B receiver', eventTypes: ['invoice.paid', 'payment.matched'] });
      expect(created.status).toBe(200);
      const secret = /whsec_[A-Za-z0-9+/=_-]+/.exec(created.text)![0];
      const [endpoint] = await q<{ id: string; event_types: string[] }>(`SELECT id, event_types FROM webhook_endpoint WHERE merchant_id = $1 AND url = $2`, [b.merchant.id, hook]);
      expect(endpoint.event_types).toEqual(['invoice.paid', 'payment.matched']);
      expect((await get(t, sb, '/dashboard/webhooks')).text).not.toContain(secret);

      expect((await post(t, sb, `/dashboard/webhooks/endpoints/${endpoint.id}/test`)).headers.location).toBe('/dashboard/webhooks?notice=test-sent');
      const [delivery] = await q<{ id: string; event_id: string; trigger: string }>(`SELECT id, event_id, trigger FROM webhook_delivery WHERE endpoint_id = $1`, [endpoint.id]);
      expect(delivery.trigger).toBe('test');
      // What a worker would do with the job; the event page then shows the attempt.
      await t.app.get(WebhookDeliveryService).attempt(delivery.id);
      const attempted = await get(t, sb, `/dashboard/webhooks/events/${delivery.event_id}`);
      for (const text of ['503', 'down for maintenance', 'Failed', 'attempts 1 of 1']) expect(attempted.text).toContain(text);

      const rotated = await post(t, sb, `/dashboard/webhooks/endpoints/${endpoint.id}/rotate-secret`);
      expect(rotated.status).toBe(200);
      const second = /whsec_[A-Za-z0-9+/=_-]+/.exec(rotated.text)![0];
      expect(second).not.toBe(secret);
      expect(rotated.text).toContain('deliveries carry signatures with the old secret too');
      expect(await lastAudit('webhook_endpoint.rotate_secret', endpoint.id)).toMatchObject({ actor_type: 'dashboard', actor_id: b.owner.id });

      expect((await post(t, sb, `/dashboard/webhooks/endpoints/${endpoint.id}/disable`)).status).toBe(303);
      expect((await q<{ status: string }>(`SELECT status FROM webhook_endpoint WHERE id = $1`, [endpoint.id]))[0].status).toBe('disabled');
      expect((await post(t, sb, `/dashboard/webhooks/endpoints/${endpoint.id}/enable`)).status).toBe(303);

      const event = await get(t, sb, `/dashboard/webhooks/events/${delivery.event_id}`);
      expect(event.status).toBe(200);
      expect(event.text).toContain('webhook.test');
      const redelivered = await post(t, sb, `/dashboard/webhooks/events/${delivery.event_id}/redeliver`, { endpointId: endpoint.id });
      expect(redelivered.headers.location).toBe(`/dashboard/webhooks/events/${delivery.event_id}?notice=redelivered`);
      expect(await q(`SELECT trigger FROM webhook_delivery WHERE endpoint_id = $1 ORDER BY created_at`, [endpoint.id])).toEqual([{ trigger: 'test' }, { trigger: 'redeliver' }]);

      expect((await post(t, sb, `/dashboard/webhooks/endpoints/${endpoint.id}/delete`)).headers.location).toBe('/dashboard/webhooks?notice=endpoint-deleted');
      const list = await api(t, b.merchant.key).get('/api/v1/webhook-endpoints');
      expect(list.body.data.map((e: { id: string }) => e.id)).not.toContain(endpoint.id);
    });

    it('refuses an internal address with the reason next to the field', async () => {
      const res = await post(t, sb, '/dashboard/webhooks/endpoints', { url: 'https://169.254.169.254/latest' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('Refused:');
      expect(res.text).not.toMatch(/whsec_/);
    });
  });

  describe('staff role', () => {
    let staff: StaffSession;

    beforeAll(async () => {
      staff = await signIn(t, (await createStaff(t, a.merchant.id, { role: 'staff' })).email);
    });

    it('works with customers, payments and webhook deliveries', async () => {
      for (const path of ['/dashboard', '/dashboard/customers', `/dashboard/customers/${a.grace.id}`, '/dashboard/payments', '/dashboard/webhooks']) {
        expect((await get(t, staff, path)).status).toBe(200);
      }
      const page = await get(t, staff, '/dashboard');
      expect(page.text).not.toContain('href="/dashboard/settings"');
      expect((await get(t, staff, '/dashboard/webhooks')).text).not.toContain('Add an endpoint');
      expect(LINK.test((await post(t, staff, `/dashboard/customers/${a.grace.id}/portal-links`, { lifetimeMinutes: '10' })).text)).toBe(true);
    });

    it('cannot change settings, API keys or webhook endpoints', async () => {
      for (const res of await Promise.all([
        get(t, staff, '/dashboard/settings'),
        post(t, staff, '/dashboard/settings/branding', { primaryColor: '#000000', accentColor: '#000000' }),
        get(t, staff, '/dashboard/api-keys'),
        post(t, staff, '/dashboard/api-keys', { name: 'Sneaky', scopeSet: 'all' }),
        post(t, staff, '/dashboard/webhooks/endpoints', { url: 'http://127.0.0.1:9/staff' }),
      ])) {
        expect(res.status).toBe(403);
        expect(res.text).toContain('Only the account owner can do this.');
      }
    });
  });
});
