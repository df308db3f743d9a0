import { api, createTestApp, type TestApp } from '../app';
import { createPlan, createPortalCustomer, createPortalMerchant, csrfFrom, db, ETH, openPortal, suiteEnv, USDC, type PortalCustomer, type PortalMerchant } from '../support/portal';

// The portal's account pages: billing profile edit, payment method choice and the activity trail
// (their Chromium run is in test/browser/portal-account.browser-spec.ts).

const FORM = {
  legalName: 'Ada Lovelace Ltd',
  company: 'Analytical Engines',
  billingEmail: 'billing@engines.example',
  line1: '12 Difference Row',
  line2: 'Floor 2',
  city: 'London',
  postalCode: 'N1 7AA',
  region: 'Greater London',
  country: 'gb',
  taxId: 'GB123456789',
};

describe('portal account: profile, payment method, activity', () => {
  let t: TestApp;
  let m: PortalMerchant;

  beforeAll(async () => {
    t = await createTestApp({ env: suiteEnv('portal-account') });
    m = await createPortalMerchant(t);
  });

  afterAll(async () => {
    await t.close();
  });

  async function signIn(merchant: PortalMerchant, customerId: string, body: Record<string, unknown> = {}) {
    const { cookie } = await openPortal(t, merchant, customerId, body);
    const page = await t.http().get('/portal/profile').set('cookie', cookie);
    expect(page.status).toBe(200);
    return { cookie, csrf: csrfFrom(page.text), profilePage: page.text };
  }

  function post(cookie: string, path: string, form: Record<string, string>, headers: Record<string, string> = { 'sec-fetch-site': 'same-origin' }) {
    return t.http().post(path).set('cookie', cookie).set(headers).type('form').send(form);
  }

  async function counts(customerId: string) {
    const [audit] = await db(t).query(`SELECT count(*)::int AS n FROM audit_event WHERE merchant_id = $1 AND customer_id = $2`, [m.id, customerId]);
    const [events] = await db(t).query(`SELECT count(*)::int AS n FROM outbox_event WHERE merchant_id = $1 AND data->'object'->>'id' = $2`, [m.id, customerId]);
    const [profile] = await db(t).query(`SELECT data_enc FROM billing_profile WHERE customer_id = $1`, [customerId]);
    return { audit: audit.n as number, events: events.n as number, profileEnc: (profile?.data_enc ?? null) as string | null };
  }

  describe('billing profile edit', () => {
    let c: PortalCustomer;

    beforeAll(async () => {
      c = await createPortalCustomer(m, { email: 'edit@example.com', billingProfile: { legalName: 'Old Name', address: { city: 'Paris', country: 'FR' } } });
    });

    it('saves the profile encrypted, with one audit row and one customer.updated event naming fields only', async () => {
      const { cookie, csrf, profilePage } = await signIn(m, c.id);
      expect(profilePage).toContain('href="/portal/profile/edit"');
      const form = await t.http().get('/portal/profile/edit').set('cookie', cookie);
      expect(form.status).toBe(200);
      expect(form.text).toContain('value="Old Name"');
      expect(form.text).toContain('value="Paris"');
      const before = await counts(c.id);

      const res = await post(cookie, '/portal/profile/edit', { _csrf: csrf, ...FORM });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/portal/profile?done=profile-saved');

      const page = await t.http().get(res.headers.location).set('cookie', cookie);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Your billing profile was saved.');
      for (const v of ['Ada Lovelace Ltd', 'Analytical Engines', 'billing@engines.example', '12 Difference Row', 'N1 7AA London', 'GB123456789', 'GB']) expect(page.text).toContain(v);

      const after = await counts(c.id);
      expect(after.audit).toBe(before.audit + 1);
      expect(after.events).toBe(before.events + 1);
      // Encrypted at rest: the stored column is one AEAD envelope (base64url segments only, so no
      // value with a space, dot or @ can hide in it), and none of the longer values appear in it.
      // A two-letter value such as the country code turns up in 500 random base64url characters
      // about one run in eight, so that one is covered by the envelope's shape alone.
      expect(after.profileEnc).toMatch(/^v1\.a256gcm\.k1(\.[A-Za-z0-9_-]+){3}$/);
      for (const v of Object.values(FORM).filter((value) => value.length > 4)) expect(after.profileEnc).not.toContain(v);
      // The API reads back the decrypted profile.
      const api = await m.client.get(`/api/v1/customers/${c.id}`);
      expect(api.body.billingProfile).toMatchObject({ legalName: 'Ada Lovelace Ltd', email: 'billing@engines.example', address: { city: 'London', country: 'GB', line2: 'Floor 2' } });

      const [audit] = await db(t).query(`SELECT * FROM audit_event WHERE customer_id = $1 AND action = 'customer.billing_profile_update'`, [c.id]);
      expect(audit.actor_type).toBe('portal_session');
      const [event] = await db(t).query(`SELECT * FROM outbox_event WHERE merchant_id = $1 AND type = 'customer.updated' AND data->'object'->>'id' = $2`, [m.id, c.id]);
      expect(event.data.initiated_by).toBe('customer_portal');
      expect(event.data.changes.after.billingProfileChanged.sort()).toEqual(
        ['address.city', 'address.country', 'address.line1', 'address.line2', 'address.postalCode', 'address.region', 'company', 'email', 'legalName', 'taxId'].sort(),
      );
      const stored = JSON.stringify(event.data) + JSON.stringify(audit.changes);
      // Random ids in the JSON may hold any two letters: a short value is looked for as a JSON string.
      for (const v of [...Object.values(FORM), 'Old Name', 'Paris']) expect(stored).not.toContain(v.length > 4 ? v : JSON.stringify(v));

      // The same values again: nothing changes, nothing is recorded.
      const again = await post(cookie, '/portal/profile/edit', { _csrf: csrf, ...FORM });
      expect(again.headers.location).toBe('/portal/profile?done=profile-unchanged');
      expect(await counts(c.id)).toEqual(after);

      // Clearing one field records just that field.
      const cleared = await post(cookie, '/portal/profile/edit', { _csrf: csrf, ...FORM, line2: '' });
      expect(cleared.status).toBe(303);
      const [last] = await db(t).query(`SELECT data FROM outbox_event WHERE merchant_id = $1 AND type = 'customer.updated' AND data->'object'->>'id' = $2 ORDER BY created_at DESC, id DESC LIMIT 1`, [m.id, c.id]);
      expect(last.data.changes.after).toEqual({ billingProfileChanged: ['address.line2'] });
    });

    it('two concurrent identical submits apply once (row lock): one audit row, one event', async () => {
      const { cookie, csrf } = await signIn(m, c.id);
      const before = await counts(c.id);
      const form = { _csrf: csrf, ...FORM, legalName: 'Concurrent Ltd' };
      const results = await Promise.all([post(cookie, '/portal/profile/edit', form), post(cookie, '/portal/profile/edit', form)]);
      expect(results.map((r) => r.status)).toEqual([303, 303]);
      expect(results.map((r) => r.headers.location).sort()).toEqual(['/portal/profile?done=profile-saved', '/portal/profile?done=profile-unchanged']);
      const after = await counts(c.id);
      expect(after.audit).toBe(before.audit + 1);
      expect(after.events).toBe(before.events + 1);
    });

    it('re-renders the form with field errors (400) and saves nothing', async () => {
      const { cookie, csrf } = await signIn(m, c.id);
      const before = await counts(c.id);

      const bad = await post(cookie, '/portal/profile/edit', { _csrf: csrf, ...FORM, billingEmail: 'not-an-email', country: 'XX1', legalName: 'Kept <b>input</b>' });
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toMatch(/text\/html/);
      expect(bad.text).toContain('Enter a valid email address');
      expect(bad.text).toContain('Use a two-letter ISO country code');
      expect(bad.text).toMatch(/id="f-billingEmail"[^>]*aria-invalid="true"/);
      expect(bad.text).toMatch(/id="f-country"[^>]*aria-invalid="true"/);
      expect(bad.text).not.toMatch(/id="f-city"[^>]*aria-invalid/);
      // The customer's input comes back, escaped.
      expect(bad.text).toContain('value="Kept &lt;b&gt;input&lt;/b&gt;"');
      expect(bad.text).toContain('value="not-an-email"');

      const unknownCountry = await post(cookie, '/portal/profile/edit', { _csrf: csrf, ...FORM, country: 'ZZ' });
      expect(unknownCountry.status).toBe(400);

      const tooLong = await post(cookie, '/portal/profile/edit', { _csrf: csrf, ...FORM, taxId: 'x'.repeat(51) });
      expect(tooLong.status).toBe(400);
      expect(tooLong.text).toContain('Tax ID can be at most 50 characters.');

      const unknown = await post(cookie, '/portal/profile/edit', { _csrf: csrf, ...FORM, paymentAssetId: USDC });
      expect(unknown.status).toBe(400);
      expect(unknown.text).toContain('The form sent fields it does not have (paymentAssetId)');

      const missing = await post(cookie, '/portal/profile/edit', { _csrf: csrf, legalName: 'Only this' });
      expect(missing.status).toBe(400);
      expect(missing.text).toContain('This field is missing from the form.');

      expect(await counts(c.id)).toEqual(before);
    });

    it('refuses without the CSRF token, or cross-site (403), and saves nothing', async () => {
      const { cookie, csrf } = await signIn(m, c.id);
      const before = await counts(c.id);
      expect((await post(cookie, '/portal/profile/edit', { ...FORM, legalName: 'No token' })).status).toBe(403);
      expect((await post(cookie, '/portal/profile/edit', { _csrf: 'wrong', ...FORM, legalName: 'Bad token' })).status).toBe(403);
      expect((await post(cookie, '/portal/profile/edit', { _csrf: csrf, ...FORM, legalName: 'Cross site' }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
      expect(await counts(c.id)).toEqual(before);
    });

    it('a link without the profile scope sees no Edit link and is refused (403)', async () => {
      const { cookie, csrf, profilePage } = await signIn(m, c.id, { scopes: ['read'] });
      expect(profilePage).not.toContain('/portal/profile/edit');
      expect((await t.http().get('/portal/profile/edit').set('cookie', cookie)).status).toBe(403);
      const before = await counts(c.id);
      const res = await post(cookie, '/portal/profile/edit', { _csrf: csrf, ...FORM, legalName: 'Read only' });
      expect(res.status).toBe(403);
      expect(res.text).toContain('does not allow editing the billing profile');
      expect(await counts(c.id)).toEqual(before);
    });

    it('with profileEdit off there is no Edit link and the POST is refused (403)', async () => {
      const off = await createPortalMerchant(t, { patch: { portalSettings: { profileEdit: false } } });
      const c2 = await createPortalCustomer(off, { email: 'off@example.com' });
      const { cookie, csrf, profilePage } = await signIn(off, c2.id);
      expect(profilePage).not.toContain('/portal/profile/edit');
      expect((await t.http().get('/portal/profile/edit').set('cookie', cookie)).status).toBe(403);
      const res = await post(cookie, '/portal/profile/edit', { _csrf: csrf, ...FORM });
      expect(res.status).toBe(403);
      expect(res.text).toContain('turned off');
      const [row] = await db(t).query(`SELECT count(*)::int AS n FROM billing_profile WHERE customer_id = $1`, [c2.id]);
      expect(row.n).toBe(0);
    });

    it('stored markup in profile fields renders escaped on the profile, the form and the activity page', async () => {
      const c3 = await createPortalCustomer(m, { email: 'xss@example.com' });
      const { cookie, csrf } = await signIn(m, c3.id);
      const script = '<script>alert(1)</script>';
      const attr = '"><img src=x onerror=alert(1)>';
      const res = await post(cookie, '/portal/profile/edit', { _csrf: csrf, ...FORM, legalName: script, company: attr, line1: '{{constructor.constructor}}', country: 'DE' });
      expect(res.status).toBe(303);
      for (const path of ['/portal/profile', '/portal/profile/edit', '/portal/activity']) {
        const page = await t.http().get(path).set('cookie', cookie);
        expect(page.status).toBe(200);
        expect(page.text).not.toContain(script);
        expect(page.text).not.toContain('<img src=x');
        if (path !== '/portal/activity') {
          expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
          expect(page.text).toContain('&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
        }
      }
    });
  });

  describe('payment method', () => {
    let multi: PortalMerchant;
    let c: PortalCustomer;

    beforeAll(async () => {
      multi = await createPortalMerchant(t);
      const plan = await multi.client.post('/api/v1/plans', {
        name: 'Dual',
        interval: { unit: 'month', count: 1 },
        prices: [
          { assetId: USDC, amount: '10000000' },
          { assetId: ETH, amount: '5000000000000000' },
        ],
      });
      expect(plan.status).toBe(201);
      const customer = await multi.client.post('/api/v1/customers', { email: 'asset@example.com', name: 'Asset' });
      const sub = await multi.client.post('/api/v1/subscriptions', { customerId: customer.body.id, planId: plan.body.id, assetId: USDC });
      expect(sub.status).toBe(201);
      c = { id: customer.body.id, subscriptionId: sub.body.id, invoiceId: sub.body.latestInvoice.id, invoiceNumber: sub.body.latestInvoice.number, amountDue: sub.body.latestInvoice.amountDue };
    });

    async function assetCounts() {
      const [audit] = await db(t).query(`SELECT count(*)::int AS n FROM audit_event WHERE customer_id = $1 AND action = 'customer.payment_method_update'`, [c.id]);
      const [events] = await db(t).query(`SELECT count(*)::int AS n FROM outbox_event WHERE merchant_id = $1 AND type = 'customer.payment_method_updated'`, [multi.id]);
      return { audit: audit.n as number, events: events.n as number };
    }

    it('lists the assets the plans are priced in and saves the choice with one audit row and one event', async () => {
      const { cookie, csrf } = await signIn(multi, c.id);
      const page = await t.http().get('/portal/payment-method').set('cookie', cookie);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`value="${USDC}"`);
      expect(page.text).toContain(`value="${ETH}"`);

      const res = await post(cookie, '/portal/payment-method', { _csrf: csrf, assetId: ETH });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/portal/payment-method?done=payment-method-saved');
      const after = await t.http().get(res.headers.location).set('cookie', cookie);
      expect(after.text).toContain('Your payment method was saved.');
      expect(after.text).toMatch(new RegExp(`value="${ETH}" checked`));
      expect(after.text).toContain('Selected: <strong>ETH</strong>');

      const customer = await multi.client.get(`/api/v1/customers/${c.id}`);
      expect(customer.body.paymentAssetId).toBe(ETH);
      expect(await assetCounts()).toEqual({ audit: 1, events: 1 });
      const [event] = await db(t).query(`SELECT data FROM outbox_event WHERE merchant_id = $1 AND type = 'customer.payment_method_updated'`, [multi.id]);
      expect(event.data).toMatchObject({ initiated_by: 'customer_portal', object: { id: c.id, paymentAssetId: ETH }, changes: { before: { paymentAssetId: null }, after: { paymentAssetId: ETH } } });

      // The same choice again is not a change.
      const same = await post(cookie, '/portal/payment-method', { _csrf: csrf, assetId: ETH });
      expect(same.headers.location).toBe('/portal/payment-method?done=payment-method-unchanged');
      expect(await assetCounts()).toEqual({ audit: 1, events: 1 });
    });

    it('refuses an asset the merchant does not price (422), a malformed one (400), a read-only link and a missing token (403)', async () => {
      const single = await createPortalCustomer(m, { email: 'usdc-only@example.com' });
      const s = await signIn(m, single.id);
      const page = await t.http().get('/portal/payment-method').set('cookie', s.cookie);
      expect(page.text).not.toContain(`value="${ETH}"`);
      const unpriced = await post(s.cookie, '/portal/payment-method', { _csrf: s.csrf, assetId: ETH });
      expect(unpriced.status).toBe(422);
      expect(unpriced.text).toContain('not offered');
      expect((await post(s.cookie, '/portal/payment-method', { _csrf: s.csrf, assetId: 'bitcoin' })).status).toBe(400);
      expect((await post(s.cookie, '/portal/payment-method', { _csrf: s.csrf, assetId: USDC, extra: '1' })).status).toBe(400);
      expect((await post(s.cookie, '/portal/payment-method', { assetId: USDC })).status).toBe(403);

      const ro = await signIn(m, single.id, { scopes: ['read'] });
      const roPage = await t.http().get('/portal/payment-method').set('cookie', ro.cookie);
      expect(roPage.status).toBe(200);
      expect(roPage.text).not.toContain('name="assetId"');
      expect((await post(ro.cookie, '/portal/payment-method', { _csrf: ro.csrf, assetId: USDC })).status).toBe(403);

      const customer = await m.client.get(`/api/v1/customers/${single.id}`);
      expect(customer.body.paymentAssetId).toBeNull();
      const [row] = await db(t).query(`SELECT count(*)::int AS n FROM audit_event WHERE customer_id = $1 AND action = 'customer.payment_method_update'`, [single.id]);
      expect(row.n).toBe(0);
    });
  });

  describe('activity', () => {
    it('lists this customer’s actions newest first, with labels, and none of another customer’s', async () => {
      const planB = await createPlan(m, 'Activity plan', '20000000');
      const c = await createPortalCustomer(m, { email: 'activity@example.com', planId: planB });
      const other = await createPortalCustomer(m, { email: 'other@example.com' });
      const { cookie, csrf } = await signIn(m, c.id);
      expect((await post(cookie, '/portal/profile/edit', { _csrf: csrf, ...FORM })).status).toBe(303);
      expect((await post(cookie, '/portal/payment-method', { _csrf: csrf, assetId: USDC })).status).toBe(303);
      // Another customer's change must not show.
      const o = await signIn(m, other.id);
      expect((await post(o.cookie, '/portal/profile/edit', { _csrf: o.csrf, ...FORM, legalName: 'Other Co' })).status).toBe(303);
      await api(t, m.key).post(`/api/v1/subscriptions/${other.subscriptionId}/cancel`, { atPeriodEnd: false });

      const page = await t.http().get('/portal/activity').set('cookie', cookie);
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/<a href="\/portal\/activity" aria-current="page">Activity<\/a>/);
      const labels = [...page.text.matchAll(/<li class="list-row" data-activity-id="(aud_[^"]+)">\s*<div>\s*<strong>([^<]+)<\/strong>/g)].map((x) => x[2]);
      expect(labels.slice(0, 2)).toEqual(['Payment method changed', 'Billing profile saved']);
      expect(labels).toEqual(expect.arrayContaining(['Subscription started', 'Invoice issued', 'Account created', 'Billing portal link issued']));
      expect(page.text).toContain('Changed: legal name, company, billing email');
      expect(page.text).toContain('Next invoices in USDC');
      expect(page.text).toContain('You');
      // No PII values from the profile, no other customer's rows, no raw action codes.
      for (const v of ['Ada Lovelace Ltd', 'billing@engines.example', 'GB123456789', 'Other Co', 'customer.billing_profile_update', 'Subscription canceled']) expect(page.text).not.toContain(v);
      const ids = [...page.text.matchAll(/data-activity-id="(aud_[^"]+)"/g)].map((x) => x[1]);
      const rows: Array<{ id: string; customer_id: string }> = await db(t).query(`SELECT id, customer_id FROM audit_event WHERE id = ANY($1)`, [ids]);
      expect(rows.every((r) => r.customer_id === c.id)).toBe(true);
      expect(rows).toHaveLength(ids.length);
    });

    it('names the steps of a pending upgrade, account credit and claim review in words', async () => {
      const c = await createPortalCustomer(m, { email: 'steps@example.com' });
      const { cookie } = await signIn(m, c.id);
      const rows: [string, string, string][] = [
        ['subscription.upgrade_requested', 'subscription', 'Upgrade requested, waiting for its invoice to be paid'],
        ['subscription.upgrade_paid', 'subscription', 'Upgrade paid and applied'],
        ['subscription.upgrade_expired', 'subscription', 'Upgrade dropped: its invoice was not paid'],
        ['invoice.credit_applied', 'invoice', 'Account credit applied to an invoice'],
        ['invoice.credit_reversed', 'invoice', 'Account credit withdrawn: its payment was reversed'],
        ['payment_claim.needs_review', 'payment_claim', 'Payment claim waiting for review'],
      ];
      for (const [i, [action, targetType]] of rows.entries()) {
        await db(t).query(
          `INSERT INTO audit_event (id, merchant_id, livemode, actor_type, actor_id, customer_id, action, target_type, target_id, changes, created_at)
           VALUES ($1, $2, false, 'system', 'test', $3, $4, $5, 'x', '{}', now() + ($6 || ' seconds')::interval)`,
          [`aud_step${String(i).padStart(18, '0')}`, m.id, c.id, action, targetType, String(i + 1)],
        );
      }
      const page = await t.http().get('/portal/activity').set('cookie', cookie);
      expect(page.status).toBe(200);
      const labels = [...page.text.matchAll(/<li class="list-row" data-activity-id="aud_step\d+">\s*<div>\s*<strong>([^<]+)<\/strong>/g)].map((x) => x[1]);
      expect(labels).toEqual(rows.map(([, , label]) => label).reverse());
      for (const [action] of rows) expect(page.text).not.toContain(action);
    });

    it('paginates 25 a page and labels unknown actions generically', async () => {
      const c = await createPortalCustomer(m, { email: 'pages@example.com' });
      const { cookie } = await signIn(m, c.id);
      const [{ n: existing }] = await db(t).query(`SELECT count(*)::int AS n FROM audit_event WHERE customer_id = $1`, [c.id]);
      const extra = 30;
      for (let i = 0; i < extra; i++) {
        await db(t).query(
          `INSERT INTO audit_event (id, merchant_id, livemode, actor_type, actor_id, customer_id, action, target_type, target_id, changes, created_at)
           VALUES ($1, $2, false, 'system', 'test', $3, $4, 'mystery', 'x', $5, now() + ($6 || ' seconds')::interval)`,
          [`aud_page${String(i).padStart(18, '0')}`, m.id, c.id, i === extra - 1 ? 'mystery.thing' : 'customer.update', JSON.stringify({ before: { email: 'secret-old@example.com' }, after: { email: 'secret-new@example.com' } }), String(i + 1)],
        );
      }
      const total = existing + extra;
      const first = await t.http().get('/portal/activity').set('cookie', cookie);
      expect([...first.text.matchAll(/data-activity-id=/g)]).toHaveLength(25);
      expect(first.text).toContain(`Page 1 of ${Math.ceil(total / 25)}`);
      expect(first.text).toContain('href="/portal/activity?page&#x3D;2"');
      // The newest (inserted last, latest time) comes first, with the generic label.
      expect(first.text).toMatch(/<strong>Account activity<\/strong>/);
      expect(first.text.indexOf(`aud_page${String(extra - 1).padStart(18, '0')}`)).toBeLessThan(first.text.indexOf(`aud_page${String(extra - 2).padStart(18, '0')}`));
      expect(first.text).not.toContain('secret-new@example.com');
      expect(first.text).not.toContain('secret-old@example.com');
      const second = await t.http().get('/portal/activity?page=2').set('cookie', cookie);
      expect(second.status).toBe(200);
      expect([...second.text.matchAll(/data-activity-id=/g)]).toHaveLength(total - 25);
      expect((await t.http().get('/portal/activity?page=0').set('cookie', cookie)).status).toBe(400);
    });
  });
});
