import { createHash } from 'node:crypto';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PUBLIC_KEY, SCOPE_KEY } from '../../src/auth/auth.decorators';
import { ApiKeyEntity } from '../../src/merchants/api-key.entity';
import { generateApiKey } from '../../src/merchants/api-key.format';
import { ApiKeyRepository } from '../../src/merchants/api-key.repository';
import { ApiKeyService } from '../../src/merchants/api-key.service';
import { MerchantService } from '../../src/merchants/merchant.service';
import { SCOPES } from '../../src/merchants/scopes';
import { api, createKey, createMerchant, createTestApp, type TestApp, type TestMerchant } from '../app';

const CUSTOMERS = '/api/v1/customers';

// A valid key with one character of its body changed: right prefix and length, wrong checksum.
function badChecksum(key: string): string {
  const i = 12;
  return key.slice(0, i) + (key[i] === 'A' ? 'B' : 'A') + key.slice(i + 1);
}

describe('merchant API keys', () => {
  let t: TestApp;
  let m: TestMerchant;
  let ds: DataSource;

  beforeAll(async () => {
    t = await createTestApp();
    m = await createMerchant(t);
    ds = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t.close();
  });

  // Every row of every table as text: what an attacker with a database dump would hold.
  async function dumpDatabase(): Promise<string> {
    const tables: { table_name: string }[] = await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
    expect(tables.map((r) => r.table_name)).toContain('api_key');
    let dump = '';
    for (const { table_name } of tables) {
      const rows: { row: string }[] = await ds.query(`SELECT t::text AS row FROM "${table_name}" t`);
      dump += rows.map((r) => r.row).join('\n');
    }
    return dump;
  }

  async function keyRow(secret: string): Promise<ApiKeyEntity> {
    const row = await t.app.get(ApiKeyRepository).findByHash(t.app.get(ApiKeyService).hash(secret));
    if (!row) throw new Error('key row not found');
    return row;
  }

  describe('authentication (A1)', () => {
    let uniform: { status: number; body: unknown };

    beforeAll(async () => {
      const res = await t.http().get(CUSTOMERS);
      uniform = { status: res.status, body: res.body };
    });

    it('answers a request without an Authorization header with 401 unauthenticated', () => {
      expect(uniform.status).toBe(401);
      expect(uniform.body).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
    });

    it.each([
      ['a malformed key', 'Bearer not-a-key'],
      ['an empty bearer token', 'Bearer '],
      ['a lowercase scheme', (k: string) => `bearer ${k}`],
      ['the Basic scheme', (k: string) => `Basic ${Buffer.from(`${k}:`).toString('base64')}`],
      ['the key without a scheme', (k: string) => k],
      ['two keys', (k: string) => `Bearer ${k} ${k}`],
      ['a right prefix with a bad checksum', (k: string) => `Bearer ${badChecksum(k)}`],
      ['a well-formed unknown key', () => `Bearer ${generateApiKey(false)}`],
      ['a well-formed unknown live key', () => `Bearer ${generateApiKey(true)}`],
    ])('answers %s with the same 401 body', async (_name, header) => {
      const value = typeof header === 'string' ? header : header(m.key);
      const res = await t.http().get(CUSTOMERS).set('authorization', value);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(uniform.body);
    });

    it('answers a revoked key with the same 401 body', async () => {
      const created = await t.app.get(MerchantService).createApiKey(m.merchant.id, { livemode: false, name: 'to revoke', createdBy: 'test' });
      expect((await api(t, created.secret).get(CUSTOMERS)).status).toBe(200);
      await expect(t.app.get(ApiKeyRepository).revoke(m.merchant.id, created.id, t.clock.now())).resolves.toBe(true);
      const res = await api(t, created.secret).get(CUSTOMERS);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(uniform.body);
    });

    it('answers an expired key with the same 401 body', async () => {
      const secret = await createKey(t, m.merchant.id);
      const row = await keyRow(secret);
      row.expiresAt = new Date(t.clock.now().getTime() + 60_000);
      await t.app.get(ApiKeyRepository).save(row);
      expect((await api(t, secret).get(CUSTOMERS)).status).toBe(200);
      t.clock.advance(60_000);
      const res = await api(t, secret).get(CUSTOMERS);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(uniform.body);
    });

    it('answers a key of a disabled merchant with the same 401 body', async () => {
      const other = await createMerchant(t);
      expect((await api(t, other.key).get(CUSTOMERS)).status).toBe(200);
      await ds.query(`UPDATE merchant SET status = 'disabled' WHERE id = $1`, [other.merchant.id]);
      const res = await api(t, other.key).get(CUSTOMERS);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(uniform.body);
    });

    it('refuses a bad checksum without any database query', async () => {
      const findByHash = jest.spyOn(ApiKeyRepository.prototype, 'findByHash');
      const pgQuery = jest.spyOn(Client.prototype, 'query');
      try {
        const res = await t.http().get(CUSTOMERS).set('authorization', `Bearer ${badChecksum(m.key)}`);
        expect(res.status).toBe(401);
        expect(findByHash).not.toHaveBeenCalled();
        expect(pgQuery).not.toHaveBeenCalled();
      } finally {
        findByHash.mockRestore();
        pgQuery.mockRestore();
      }
    });

    it('looks a well-formed key up by its hash (the spies above do observe queries)', async () => {
      const findByHash = jest.spyOn(ApiKeyRepository.prototype, 'findByHash');
      const pgQuery = jest.spyOn(Client.prototype, 'query');
      try {
        const res = await t.http().get(CUSTOMERS).set('authorization', `Bearer ${generateApiKey(false)}`);
        expect(res.status).toBe(401);
        expect(findByHash).toHaveBeenCalledTimes(1);
        expect(findByHash.mock.calls[0][0]).toMatch(/^k1:[0-9a-f]{64}$/);
        expect(pgQuery).toHaveBeenCalled();
      } finally {
        findByHash.mockRestore();
        pgQuery.mockRestore();
      }
    });
  });

  describe('scopes (R29)', () => {
    it('answers 403 insufficient_scope to a key without customers:read listing customers', async () => {
      const key = await createKey(t, m.merchant.id, { scopes: ['customers:write'] });
      const res = await api(t, key).get(CUSTOMERS);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('insufficient_scope');
    });

    it('answers 403 insufficient_scope to a read-only key creating a customer, and creates nothing', async () => {
      const other = await createMerchant(t);
      const key = await createKey(t, other.merchant.id, { scopes: ['customers:read'] });
      const res = await api(t, key).post(CUSTOMERS, { email: 'ro@example.com' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('insufficient_scope');
      const list = await api(t, key).get(CUSTOMERS);
      expect(list.body.data).toEqual([]);
    });

    it('answers 403 to a key with no scopes at all on every kind of route', async () => {
      const key = await createKey(t, m.merchant.id, { scopes: [] });
      const client = api(t, key);
      const statuses = [
        (await client.get(CUSTOMERS)).status,
        (await client.post(CUSTOMERS, { email: 'none@example.com' })).status,
        (await client.get('/api/v1/merchant')).status,
        (await client.patch('/api/v1/merchant', { name: 'x' })).status,
      ];
      expect(statuses).toEqual([403, 403, 403, 403]);
    });

    it('answers 403 to a key without portal_links:write minting a portal link, and issues no link (A3)', async () => {
      const customer = await api(t, m.key).post(CUSTOMERS, { email: 'a3@example.com' });
      const key = await createKey(t, m.merchant.id, { scopes: ['customers:read', 'customers:write'] });
      const res = await api(t, key).post('/api/v1/portal-links', { customerId: customer.body.id });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('insufficient_scope');
      expect(JSON.stringify(res.body)).not.toMatch(/\/p\/|pl1\./);
      const links: unknown[] = await ds.query(`SELECT 1 FROM portal_link WHERE customer_id = $1`, [customer.body.id]);
      expect(links).toEqual([]);
    });

    it('lets a key holding only portal_links:write mint a link without reading the customer (R29)', async () => {
      const customer = await api(t, m.key).post(CUSTOMERS, { email: 'pii-hidden@example.com', name: 'Hidden Name' });
      const key = await createKey(t, m.merchant.id, { scopes: ['portal_links:write'] });
      const minted = await api(t, key).post('/api/v1/portal-links', { customerId: customer.body.id });
      expect(minted.status).toBe(201);
      expect(minted.body.url).toMatch(/^https:\/\/billing\.test\/p\//);
      expect(JSON.stringify(minted.body)).not.toMatch(/pii-hidden@example\.com|Hidden Name/);
      expect((await api(t, key).get(`${CUSTOMERS}/${customer.body.id}`)).status).toBe(403);
    });

    it('lets a key use exactly the scope it holds', async () => {
      const key = await createKey(t, m.merchant.id, { scopes: ['merchant:read'] });
      expect((await api(t, key).get('/api/v1/merchant')).status).toBe(200);
      expect((await api(t, key).patch('/api/v1/merchant', { name: 'Renamed' })).status).toBe(403);
    });

    it('declares a known scope or @Public on every registered route (default deny)', () => {
      const undeclared: string[] = [];
      for (const module of t.app.get(ModulesContainer).values()) {
        for (const wrapper of module.controllers.values()) {
          const cls = wrapper.metatype as (new (...args: never[]) => object) | null;
          if (!cls) continue;
          for (const name of Object.getOwnPropertyNames(cls.prototype)) {
            const handler = (cls.prototype as Record<string, unknown>)[name];
            if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
            const isPublic = Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, cls);
            const scope = (Reflect.getMetadata(SCOPE_KEY, handler) ?? Reflect.getMetadata(SCOPE_KEY, cls)) as string | undefined;
            if (!isPublic && !(scope && (SCOPES as readonly string[]).includes(scope))) {
              undeclared.push(`${cls.name}.${name} (${String(Reflect.getMetadata(PATH_METADATA, handler))})`);
            }
          }
        }
      }
      expect(undeclared).toEqual([]);
    });
  });

  describe('livemode (A2)', () => {
    let liveKey: string;
    let liveCustomer: string;
    let testCustomer: string;

    beforeAll(async () => {
      liveKey = await createKey(t, m.merchant.id, { livemode: true });
      expect(liveKey).toMatch(/^sk_live_/);
      const live = await api(t, liveKey).post(CUSTOMERS, { email: 'live@example.com' });
      const test = await api(t, m.key).post(CUSTOMERS, { email: 'test@example.com' });
      expect([live.status, test.status]).toEqual([201, 201]);
      expect([live.body.livemode, test.body.livemode]).toEqual([true, false]);
      liveCustomer = live.body.id as string;
      testCustomer = test.body.id as string;
    });

    it('answers 403 livemode_mismatch to a test key reading a live customer', async () => {
      const res = await api(t, m.key).get(`${CUSTOMERS}/${liveCustomer}`);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('livemode_mismatch');
    });

    it('answers 403 livemode_mismatch to a live key reading a test customer', async () => {
      const res = await api(t, liveKey).get(`${CUSTOMERS}/${testCustomer}`);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('livemode_mismatch');
    });

    it('answers 403 to a test key updating a live customer, and changes nothing', async () => {
      const res = await api(t, m.key).patch(`${CUSTOMERS}/${liveCustomer}`, { name: 'Tampered' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('livemode_mismatch');
      expect((await api(t, liveKey).get(`${CUSTOMERS}/${liveCustomer}`)).body.name).toBeNull();
    });

    it('lists only the customers of the key mode', async () => {
      const testIds = (await api(t, m.key).get(`${CUSTOMERS}?limit=100`)).body.data.map((c: { id: string }) => c.id);
      const liveIds = (await api(t, liveKey).get(`${CUSTOMERS}?limit=100`)).body.data.map((c: { id: string }) => c.id);
      expect(testIds).toContain(testCustomer);
      expect(testIds).not.toContain(liveCustomer);
      expect(liveIds).toEqual([liveCustomer]);
    });
  });

  describe('storage (R28, A13)', () => {
    it('never stores a raw key anywhere in the database', async () => {
      const other = await createMerchant(t);
      const extra = await createKey(t, other.merchant.id, { livemode: true });
      await api(t, other.key).post(CUSTOMERS, { email: 'dump@example.com' });
      const dump = await dumpDatabase();
      expect(dump).toContain(other.merchant.id);
      for (const secret of [other.key, extra]) {
        expect(dump).not.toContain(secret);
        // Neither the random body nor the key without its prefix may appear either.
        expect(dump).not.toContain(secret.slice(8, 40));
        expect(dump).not.toContain(createHash('sha256').update(secret).digest('hex'));
      }
    });

    it('never stores a revealed link secret in plaintext anywhere in the database', async () => {
      const other = await createMerchant(t);
      const revealed = await api(t, other.key).get('/api/v1/merchant/link-secret');
      expect(revealed.status).toBe(200);
      const rotated = await api(t, other.key).post('/api/v1/merchant/link-secret/rotate');
      expect(rotated.status).toBe(200);
      const dump = await dumpDatabase();
      expect(dump).not.toContain(revealed.body.secret as string);
      expect(dump).not.toContain(rotated.body.secret as string);
    });

    it('never stores billing-profile PII in plaintext anywhere in the database', async () => {
      const client = api(t, m.key);
      const created = await client.post(CUSTOMERS, { email: 'pii@example.com', billingProfile: { taxId: 'TAXID-CREATE-991', address: { line1: '7 Create Street' } } });
      expect(created.status).toBe(201);
      const updated = await client.patch(`${CUSTOMERS}/${created.body.id}`, { billingProfile: { taxId: 'TAXID-UPDATE-992', legalName: 'Legal Update Name' } });
      expect(updated.status).toBe(200);
      const dump = await dumpDatabase();
      expect(['TAXID-CREATE-991', '7 Create Street', 'TAXID-UPDATE-992', 'Legal Update Name'].filter((v) => dump.includes(v))).toEqual([]);
    });

    it('records last_used_at on use, at most once a minute', async () => {
      const secret = await createKey(t, m.merchant.id);
      expect((await keyRow(secret)).lastUsedAt).toBeNull();
      const first = t.clock.now();
      expect((await api(t, secret).get(CUSTOMERS)).status).toBe(200);
      expect((await keyRow(secret)).lastUsedAt?.toISOString()).toBe(first.toISOString());
      t.clock.advance(30_000);
      await api(t, secret).get(CUSTOMERS);
      expect((await keyRow(secret)).lastUsedAt?.toISOString()).toBe(first.toISOString());
      t.clock.advance(31_000);
      await api(t, secret).get(CUSTOMERS);
      expect((await keyRow(secret)).lastUsedAt?.toISOString()).toBe(t.clock.now().toISOString());
    });

    it('records use of an authenticated key even when its scope is refused', async () => {
      const secret = await createKey(t, m.merchant.id, { scopes: [] });
      expect((await api(t, secret).get(CUSTOMERS)).status).toBe(403);
      expect((await keyRow(secret)).lastUsedAt).not.toBeNull();
    });
  });
});
