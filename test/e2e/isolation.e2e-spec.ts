import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { SCOPE_KEY } from '../../src/auth/auth.decorators';
import { newId } from '../../src/common/ids';
import { api, createMerchant, createTestApp, freshAddress, type TestApp, type TestMerchant } from '../app';

// Cross-tenant matrix (A4, A5, R31). Merchant B's key is pointed at everything merchant A owns.
// Adding a merchant API route means adding one row to one of the tables below; the coverage
// test at the end fails until every route that declares a scope has a row.

type Kind = 'customer' | 'plan' | 'subscription' | 'invoice' | 'portalLink' | 'payment' | 'claim' | 'webhookEndpoint' | 'event';
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Seed {
  merchantId: string;
  key: string;
  email: string;
  externalId: string;
  ids: Record<Kind, string>;
}

// A route addressing one object by id in its path: B using A's id must get 404 not_found.
interface ForeignIdRow {
  route: `${Method} /api/v1/${string}`;
  id: Kind;
  // Built from B's own objects, so that only the foreign id in the path can cause the 404.
  body?: (b: Seed) => object;
}

// A write naming other objects in its body: any of A's ids among them must give 404. When the
// route has an :id, it is B's own object of kind `own`.
interface ForeignReferenceRow {
  route: `POST /api/v1/${string}`;
  what: string;
  own?: Kind;
  body: (a: Seed, b: Seed) => object;
}

// A list: B's results, with or without filters naming A's objects, hold none of A's ids.
// Queries are templates: :customer, :subscription, :email, :externalId become A's values.
interface ListRow {
  route: `GET /api/v1/${string}`;
  queries: string[];
  // One of B's own ids the list must contain, so an always-empty list cannot pass.
  own?: Kind;
}

// A route on the caller's own merchant (no id to swap): B sees and changes only its own.
interface SelfRow {
  route: `${Method} /api/v1/${string}`;
  body?: () => object;
}

const FOREIGN_ID_ROUTES: ForeignIdRow[] = [
  { route: 'GET /api/v1/customers/:id', id: 'customer' },
  { route: 'PATCH /api/v1/customers/:id', id: 'customer', body: () => ({ name: 'Written by B', metadata: { owner: 'B' } }) },
  { route: 'GET /api/v1/plans/:id', id: 'plan' },
  { route: 'GET /api/v1/subscriptions/:id', id: 'subscription' },
  { route: 'POST /api/v1/subscriptions/:id/cancel', id: 'subscription', body: () => ({ atPeriodEnd: false, reason: 'B cancelled it' }) },
  { route: 'GET /api/v1/invoices/:id', id: 'invoice' },
  { route: 'POST /api/v1/invoices/:id/claims', id: 'invoice', body: () => ({ txHash: `0x${'c'.repeat(64)}` }) },
  { route: 'DELETE /api/v1/portal-links/:id', id: 'portalLink' },
  { route: 'GET /api/v1/payments/:id', id: 'payment' },
  { route: 'POST /api/v1/payments/:id/assign', id: 'payment', body: (b) => ({ invoiceId: b.ids.invoice }) },
  { route: 'GET /api/v1/claims/:id', id: 'claim' },
  { route: 'POST /api/v1/claims/:id/approve', id: 'claim', body: () => ({ note: 'B approved it' }) },
  { route: 'POST /api/v1/claims/:id/reject', id: 'claim', body: () => ({ reason: 'B rejected it' }) },
  { route: 'POST /api/v1/customers/:id/portal-links/revoke', id: 'customer' },
  { route: 'GET /api/v1/webhook-endpoints/:id', id: 'webhookEndpoint' },
  { route: 'PATCH /api/v1/webhook-endpoints/:id', id: 'webhookEndpoint', body: () => ({ description: 'Written by B', enabled: false }) },
  { route: 'DELETE /api/v1/webhook-endpoints/:id', id: 'webhookEndpoint' },
  { route: 'POST /api/v1/webhook-endpoints/:id/rotate-secret', id: 'webhookEndpoint' },
  { route: 'POST /api/v1/webhook-endpoints/:id/test', id: 'webhookEndpoint' },
  { route: 'GET /api/v1/webhook-endpoints/:id/deliveries', id: 'webhookEndpoint' },
  { route: 'GET /api/v1/events/:id', id: 'event' },
  { route: 'POST /api/v1/events/:id/redeliver', id: 'event' },
];

const FOREIGN_REFERENCE_ROUTES: ForeignReferenceRow[] = [
  { route: 'POST /api/v1/subscriptions', what: "A's customer and A's plan", body: (a) => ({ customerId: a.ids.customer, planId: a.ids.plan }) },
  { route: 'POST /api/v1/subscriptions', what: "A's customer with B's plan", body: (a, b) => ({ customerId: a.ids.customer, planId: b.ids.plan }) },
  { route: 'POST /api/v1/subscriptions', what: "B's customer with A's plan", body: (a, b) => ({ customerId: b.ids.customer, planId: a.ids.plan }) },
  { route: 'POST /api/v1/portal-links', what: "A's customer (A5)", body: (a) => ({ customerId: a.ids.customer }) },
  { route: 'POST /api/v1/payments/:id/assign', what: "A's invoice for B's payment", own: 'payment', body: (a) => ({ invoiceId: a.ids.invoice }) },
  { route: 'POST /api/v1/events/:id/redeliver', what: "A's webhook endpoint for B's event", own: 'event', body: (a) => ({ endpointId: a.ids.webhookEndpoint }) },
];

const LIST_ROUTES: ListRow[] = [
  { route: 'GET /api/v1/customers', own: 'customer', queries: ['?limit=100', '?email=:email', '?externalId=:externalId'] },
  { route: 'GET /api/v1/plans', own: 'plan', queries: ['?limit=100'] },
  { route: 'GET /api/v1/subscriptions', own: 'subscription', queries: ['?limit=100', '?customerId=:customer'] },
  { route: 'GET /api/v1/invoices', own: 'invoice', queries: ['?limit=100', '?customerId=:customer', '?subscriptionId=:subscription'] },
  { route: 'GET /api/v1/payments', own: 'payment', queries: ['?limit=100', '?customerId=:customer', '?invoiceId=:invoice'] },
  { route: 'GET /api/v1/claims', own: 'claim', queries: ['?limit=100', '?status=needs_review', '?invoiceId=:invoice'] },
  { route: 'GET /api/v1/assets', queries: [''] },
  { route: 'GET /api/v1/webhook-endpoints', own: 'webhookEndpoint', queries: ['?limit=100'] },
  { route: 'GET /api/v1/events', own: 'event', queries: ['?limit=100', '?type=customer.created'] },
];

const SELF_ROUTES: SelfRow[] = [
  { route: 'GET /api/v1/merchant' },
  { route: 'PATCH /api/v1/merchant', body: () => ({ name: 'B renamed', branding: { primaryColor: '#000000' } }) },
  { route: 'GET /api/v1/merchant/link-secret' },
  { route: 'POST /api/v1/merchant/receiving-addresses/challenges', body: () => ({ chainId: 31337, address: freshAddress() }) },
  { route: 'POST /api/v1/merchant/link-secret/rotate' },
  { route: 'POST /api/v1/customers', body: () => ({ email: 'b-self@example.com' }) },
  { route: 'POST /api/v1/plans', body: () => ({ name: 'B self plan', interval: { unit: 'month', count: 1 }, prices: [{ assetId: ASSET, amount: '5' }] }) },
  { route: 'GET /api/v1/merchant/webhook-public-key' },
  // A public address literal: registration vets it without DNS.
  { route: 'POST /api/v1/webhook-endpoints', body: () => ({ url: 'https://93.184.216.34/b-self-hook' }) },
];

const ASSET = 'asset_31337_native';

function split(route: string): { method: Method; template: string } {
  const [method, template] = route.split(' ');
  return { method: method as Method, template };
}

describe('tenant isolation', () => {
  let t: TestApp;
  let a: Seed;
  let b: Seed;
  let before: Record<string, unknown>;
  let aLinkSecret: string;

  beforeAll(async () => {
    t = await createTestApp();
    a = await seed(await createMerchant(t, { name: 'Tenant A' }), 'a');
    b = await seed(await createMerchant(t, { name: 'Tenant B' }), 'b');
    const revealed = await api(t, a.key).get('/api/v1/merchant/link-secret');
    expect(revealed.status).toBe(200);
    aLinkSecret = revealed.body.secret as string;
    before = await snapshotOfA();
    // Every id in the matrix is live for its owner: a 404 for B is about tenancy, not a dead id.
    expect((before.links as { id: string }[]).map((l) => l.id)).toContain(a.ids.portalLink);
  });

  afterAll(async () => {
    await t.close();
  });

  async function seed(m: TestMerchant, label: string): Promise<Seed> {
    const client = api(t, m.key);
    const email = `${label}-${m.merchant.id}@example.com`;
    const externalId = `ext-${label}-${m.merchant.id}`;
    const expectCreated = (res: Response, what: string): Record<string, unknown> => {
      if (res.status !== 200 && res.status !== 201) throw new Error(`seeding ${what} for ${label}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as Record<string, unknown>;
    };
    const receiver = freshAddress();
    expectCreated(await client.patch('/api/v1/merchant', { receivingAddresses: { '31337': receiver } }), 'receiving address');
    const customer = expectCreated(await client.post('/api/v1/customers', { email, externalId, billingProfile: { company: `${label} Ltd` } }), 'customer');
    const plan = expectCreated(
      await client.post('/api/v1/plans', { name: `${label} plan`, interval: { unit: 'month', count: 1 }, prices: [{ assetId: ASSET, amount: '1000000000000000' }] }),
      'plan',
    );
    const subscription = expectCreated(await client.post('/api/v1/subscriptions', { customerId: customer.id, planId: plan.id }), 'subscription');
    const link = expectCreated(await client.post('/api/v1/portal-links', { customerId: customer.id }), 'portal link');
    const webhookEndpoint = expectCreated(await client.post('/api/v1/webhook-endpoints', { url: `https://93.184.216.34/${label}-hook` }), 'webhook endpoint');
    const [event] = await t.app.get(DataSource).query(`SELECT id FROM outbox_event WHERE merchant_id = $1 AND type = 'customer.created'`, [m.merchant.id]);
    // Payments come from the chain, not the API: an unmatched transfer is written directly.
    const payment = newId('pay');
    await t.app.get(DataSource).query(
      `INSERT INTO payment (id, merchant_id, livemode, chain_id, tx_hash, log_index, block_hash, block_number, block_timestamp, asset_id, token, from_address, to_address, amount, kind, state)
       VALUES ($1, $2, false, 31337, $3, 0, $4, 1, now(), $5, 'native', $6, $6, 1000, 'native', 'confirmed')`,
      [payment, m.merchant.id, `0x${'a'.repeat(63)}${label}`, `0x${'b'.repeat(63)}${label}`, ASSET, receiver],
    );
    // A claim waiting for the merchant's review, on the transfer above (claims come from the portal and the job).
    const claim = `clm_${label}${m.merchant.id.slice(4, 20)}`;
    await t.app.get(DataSource).query(
      `INSERT INTO payment_claim (id, merchant_id, livemode, invoice_id, customer_id, chain_id, tx_hash, status, reason, created_by, from_address, amount, block_number, block_timestamp, log_index, block_hash)
       VALUES ($1, $2, false, $3, $4, 31337, $5, 'needs_review', 'review', 'customer_portal', $6, 1000, 1, now(), 0, $7)`,
      [claim, m.merchant.id, (subscription.latestInvoice as { id: string }).id, customer.id, `0x${'a'.repeat(63)}${label}`, receiver, `0x${'b'.repeat(63)}${label}`],
    );
    return {
      merchantId: m.merchant.id,
      key: m.key,
      email,
      externalId,
      ids: {
        customer: customer.id as string,
        plan: plan.id as string,
        subscription: subscription.id as string,
        invoice: (subscription.latestInvoice as { id: string }).id,
        portalLink: link.id as string,
        payment,
        claim,
        webhookEndpoint: webhookEndpoint.id as string,
        event: event.id as string,
      },
    };
  }

  // Everything A can see about its own objects; B's attempts must leave it identical.
  async function snapshotOfA(): Promise<Record<string, unknown>> {
    const client = api(t, a.key);
    const read = async (path: string) => {
      const res = await client.get(path);
      expect(res.status).toBe(200);
      return res.body as unknown;
    };
    const ds = t.app.get(DataSource);
    const links: unknown[] = await ds.query(`SELECT id, revoked_at, expires_at FROM portal_link WHERE merchant_id = $1 ORDER BY id`, [a.merchantId]);
    // The link secret is revealed once over the API, so its rows are compared instead.
    const linkKeys: unknown[] = await ds.query(`SELECT kid, secret_enc, status, revealed_at, retired_at FROM link_signing_key WHERE merchant_id = $1 ORDER BY kid`, [a.merchantId]);
    // Webhook secrets are shown once too; deliveries are what a foreign test or redelivery would add.
    const webhooks: unknown[] = await ds.query(
      `SELECT e.id, e.url, e.status, e.description, e.secret_enc, e.previous_secret_enc, e.deleted_at, (SELECT count(*) FROM webhook_delivery d WHERE d.merchant_id = e.merchant_id) AS deliveries
         FROM webhook_endpoint e WHERE e.merchant_id = $1 ORDER BY e.id`,
      [a.merchantId],
    );
    return {
      customer: await read(`/api/v1/customers/${a.ids.customer}`),
      plan: await read(`/api/v1/plans/${a.ids.plan}`),
      subscription: await read(`/api/v1/subscriptions/${a.ids.subscription}`),
      invoice: await read(`/api/v1/invoices/${a.ids.invoice}`),
      payment: await read(`/api/v1/payments/${a.ids.payment}`),
      claim: await read(`/api/v1/claims/${a.ids.claim}`),
      merchant: await read('/api/v1/merchant'),
      customers: await read('/api/v1/customers?limit=100'),
      subscriptions: await read('/api/v1/subscriptions?limit=100'),
      links,
      linkKeys,
      webhooks,
      event: await read(`/api/v1/events/${a.ids.event}`),
    };
  }

  function send(key: string, method: Method, path: string, body?: object): Promise<Response> {
    const client = api(t, key);
    switch (method) {
      case 'GET':
        return client.get(path);
      case 'DELETE':
        return client.delete(path);
      case 'PATCH':
        return client.patch(path, body ?? {});
      case 'POST':
        return client.post(path, body);
    }
  }

  // Rows a create (or a payment assignment) could leave behind, across all tenants.
  async function createdRows(): Promise<number> {
    const rows: { n: string }[] = await t.app.get(DataSource).query(
      `SELECT (SELECT count(*) FROM subscription) + (SELECT count(*) FROM invoice) + (SELECT count(*) FROM portal_link) + (SELECT count(*) FROM customer)
         + (SELECT count(*) FROM payment WHERE invoice_id IS NOT NULL) + (SELECT count(*) FROM webhook_delivery) AS n`,
    );
    return Number(rows[0].n);
  }

  function aIds(): string[] {
    return [a.merchantId, ...Object.values(a.ids)];
  }

  describe("B's key against A's ids", () => {
    it.each(FOREIGN_ID_ROUTES.map((row) => [row.route, row] as const))('%s answers 404 not_found', async (_route, row) => {
      const { method, template } = split(row.route);
      const res = await send(b.key, method, template.replace(':id', a.ids[row.id]), row.body?.(b));
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      // The 404 must not reveal anything about the object beyond the id B already sent.
      expect(JSON.stringify(res.body)).not.toContain(a.merchantId);
    });

    it.each(FOREIGN_REFERENCE_ROUTES.map((row) => [row.route, row.what, row] as const))('%s naming %s answers 404 and creates nothing', async (_route, _what, row) => {
      const { method, template } = split(row.route);
      const rowsBefore = await createdRows();
      const res = await send(b.key, method, row.own ? template.replace(':id', b.ids[row.own]) : template, row.body(a, b));
      expect(res.status).toBe(404);
      await expect(createdRows()).resolves.toBe(rowsBefore);
      expect(res.body.error.code).toBe('not_found');
      expect(JSON.stringify(res.body)).not.toMatch(/pl1\.|\/p\//);
    });
  });

  describe("B's lists", () => {
    const cases = LIST_ROUTES.flatMap((row) => row.queries.map((query) => [`${split(row.route).template}${query}`] as const));

    it.each(cases)("GET %s holds none of A's ids", async (template) => {
      const path = template
        .replace(':customer', a.ids.customer)
        .replace(':subscription', a.ids.subscription)
        .replace(':invoice', a.ids.invoice)
        .replace(':email', encodeURIComponent(a.email))
        .replace(':externalId', a.externalId);
      const res = await send(b.key, 'GET', path);
      expect(res.status).toBe(200);
      const text = JSON.stringify(res.body);
      expect(aIds().filter((id) => text.includes(id))).toEqual([]);
      expect(text).not.toContain(a.email);
    });

    it.each(LIST_ROUTES.filter((row) => row.own).map((row) => [row.route, row] as const))("%s does hold B's own objects", async (_route, row) => {
      const res = await send(b.key, 'GET', `${split(row.route).template}?limit=100`);
      expect(res.body.data.map((x: { id: string }) => x.id)).toContain(b.ids[row.own!]);
    });

    it("refuses A's id as a pagination cursor", async () => {
      const res = await send(b.key, 'GET', `/api/v1/customers?startingAfter=${a.ids.customer}`);
      expect(res.status).toBe(404);
    });
  });

  describe("B's own-merchant routes", () => {
    it.each(SELF_ROUTES.map((row) => [row.route, row] as const))("%s answers with B's data only", async (_route, row) => {
      const { method, template } = split(row.route);
      const res = await send(b.key, method, template, row.body?.());
      expect(res.status).toBeLessThan(300);
      const text = JSON.stringify(res.body);
      expect(aIds().filter((id) => text.includes(id))).toEqual([]);
      expect(text).not.toContain(aLinkSecret);
    });
  });

  describe('after every attempt by B', () => {
    it("leaves all of A's objects exactly as they were", async () => {
      const after = await snapshotOfA();
      expect(after).toEqual(before);
    });
  });

  describe('coverage', () => {
    it('has a matrix row for every merchant API route', () => {
      const covered = new Set<string>([...FOREIGN_ID_ROUTES, ...FOREIGN_REFERENCE_ROUTES, ...LIST_ROUTES, ...SELF_ROUTES].map((row) => row.route));
      const registered = scopedRoutes(t);
      expect(registered.length).toBeGreaterThan(10);
      expect(registered.filter((route) => !covered.has(route))).toEqual([]);
      // And no row names a route that no longer exists.
      expect([...covered].filter((route) => !registered.includes(route))).toEqual([]);
    });
  });
});

// Every route that declares a scope, as "METHOD /path" in Nest's template syntax.
function scopedRoutes(t: TestApp): string[] {
  const routes = new Set<string>();
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const cls = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!cls) continue;
      const prefix = String(Reflect.getMetadata(PATH_METADATA, cls) ?? '');
      for (const name of Object.getOwnPropertyNames(cls.prototype)) {
        const handler = (cls.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        if (!(Reflect.getMetadata(SCOPE_KEY, handler) ?? Reflect.getMetadata(SCOPE_KEY, cls))) continue;
        const path = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
        const full = `/${[prefix, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
        routes.add(`${RequestMethod[method]} ${full}`);
      }
    }
  }
  return [...routes].sort();
}
