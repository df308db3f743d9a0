import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { IDEMPOTENCY_TTL_MS } from '../../src/idempotency/idempotency.service';
import { api, createKey, createMerchant, createTestApp, type TestApp, type TestMerchant } from '../app';

const CUSTOMERS = '/api/v1/customers';

let seq = 0;
function uniqueKey(label: string): string {
  seq += 1;
  return `${label}-${Date.now()}-${seq}`;
}

function uniqueEmail(): string {
  seq += 1;
  return `idem-${Date.now()}-${seq}@example.com`;
}

describe('Idempotency-Key on merchant API POSTs', () => {
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

  async function customersWithEmail(key: string, email: string): Promise<string[]> {
    const res = await api(t, key).get(`${CUSTOMERS}?email=${encodeURIComponent(email)}`);
    expect(res.status).toBe(200);
    return res.body.data.map((c: { id: string }) => c.id);
  }

  function postRaw(key: string, idempotencyKey: string | undefined, body: object) {
    const req = t.http().post(CUSTOMERS).set('authorization', `Bearer ${key}`);
    if (idempotencyKey !== undefined) req.set('idempotency-key', idempotencyKey);
    return req.send(body);
  }

  describe('replay (A6)', () => {
    it('replays the same status and body with Idempotent-Replayed and creates one customer', async () => {
      const email = uniqueEmail();
      const key = uniqueKey('replay');
      const first = await api(t, m.key).post(CUSTOMERS, { email, name: 'Once' }, key);
      const second = await api(t, m.key).post(CUSTOMERS, { email, name: 'Once' }, key);
      expect(first.status).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(second.status).toBe(first.status);
      expect(second.body).toEqual(first.body);
      expect(second.headers['idempotent-replayed']).toBe('true');
      await expect(customersWithEmail(m.key, email)).resolves.toEqual([first.body.id]);
    });

    it('writes one audit row for a replayed create', async () => {
      const key = uniqueKey('audit');
      const first = await api(t, m.key).post(CUSTOMERS, { email: uniqueEmail() }, key);
      await api(t, m.key).post(CUSTOMERS, { email: first.body.email }, key);
      const rows: { n: string }[] = await ds.query(`SELECT count(*) AS n FROM audit_event WHERE target_id = $1 AND action = 'customer.create'`, [first.body.id]);
      expect(Number(rows[0].n)).toBe(1);
    });

    it('replays a body sent with its keys in another order', async () => {
      const key = uniqueKey('order');
      const email = uniqueEmail();
      const first = await api(t, m.key).post(CUSTOMERS, { email, name: 'A', metadata: { a: '1', b: '2' } }, key);
      const second = await api(t, m.key).post(CUSTOMERS, { metadata: { b: '2', a: '1' }, name: 'A', email }, key);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body.id).toBe(first.body.id);
    });

    it('replays for another API key of the same merchant and mode', async () => {
      const other = await createKey(t, m.merchant.id);
      const key = uniqueKey('shared');
      const email = uniqueEmail();
      const first = await api(t, m.key).post(CUSTOMERS, { email }, key);
      const second = await api(t, other).post(CUSTOMERS, { email }, key);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body.id).toBe(first.body.id);
    });
  });

  describe('mismatch (A7)', () => {
    it('answers 422 idempotency_mismatch to the same key with a different body, and creates nothing more', async () => {
      const key = uniqueKey('mismatch');
      const email = uniqueEmail();
      const first = await api(t, m.key).post(CUSTOMERS, { email }, key);
      const other = uniqueEmail();
      const second = await api(t, m.key).post(CUSTOMERS, { email: other }, key);
      expect(first.status).toBe(201);
      expect(second.status).toBe(422);
      expect(second.body.error.code).toBe('idempotency_mismatch');
      await expect(customersWithEmail(m.key, other)).resolves.toEqual([]);
    });
  });

  describe('concurrency (A8)', () => {
    it('executes one of several concurrent requests with one key; the others get 409 or the replay', async () => {
      const key = uniqueKey('race');
      const email = uniqueEmail();
      const responses = await Promise.all(Array.from({ length: 5 }, () => api(t, m.key).post(CUSTOMERS, { email }, key)));
      const statuses = responses.map((r) => r.status);
      for (const status of statuses) expect([201, 409]).toContain(status);
      const created = responses.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((r) => r.body.id as string)).size).toBe(1);
      expect(created.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
      for (const r of responses.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('idempotency_in_flight');
      await expect(customersWithEmail(m.key, email)).resolves.toEqual([created[0].body.id]);
      // A client that got 409 retries and receives the winner's response.
      const retry = await api(t, m.key).post(CUSTOMERS, { email }, key);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body.id).toBe(created[0].body.id);
    });
  });

  describe('scoping (A9)', () => {
    it('keeps the same key value independent across two merchants', async () => {
      const n = await createMerchant(t);
      const key = uniqueKey('cross');
      const a = await api(t, m.key).post(CUSTOMERS, { email: 'same@example.com' }, key);
      const b = await api(t, n.key).post(CUSTOMERS, { email: 'same@example.com' }, key);
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(b.headers['idempotent-replayed']).toBeUndefined();
      expect(b.body.id).not.toBe(a.body.id);
      expect((await api(t, n.key).get(`${CUSTOMERS}/${a.body.id}`)).status).toBe(404);
    });

    it('keeps test and live mode of one merchant independent', async () => {
      const live = await createKey(t, m.merchant.id, { livemode: true });
      const key = uniqueKey('mode');
      const email = uniqueEmail();
      const a = await api(t, m.key).post(CUSTOMERS, { email }, key);
      const b = await api(t, live).post(CUSTOMERS, { email }, key);
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(b.headers['idempotent-replayed']).toBeUndefined();
      expect([a.body.livemode, b.body.livemode]).toEqual([false, true]);
    });
  });

  describe('key syntax (A10)', () => {
    it('answers 400 idempotency_key_required when the header is missing, and creates nothing', async () => {
      const email = uniqueEmail();
      const res = await postRaw(m.key, undefined, { email });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('idempotency_key_required');
      await expect(customersWithEmail(m.key, email)).resolves.toEqual([]);
    });

    it('answers 400 to an empty key', async () => {
      const res = await postRaw(m.key, '', { email: uniqueEmail() });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('idempotency_key_required');
    });

    it('answers 400 idempotency_key_invalid to a key of 256 characters', async () => {
      const email = uniqueEmail();
      const res = await postRaw(m.key, 'k'.repeat(256), { email });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('idempotency_key_invalid');
      await expect(customersWithEmail(m.key, email)).resolves.toEqual([]);
    });

    it('accepts a key of 255 characters', async () => {
      const res = await postRaw(m.key, `${uniqueKey('x')}-`.padEnd(255, 'k'), { email: uniqueEmail() });
      expect(res.status).toBe(201);
    });

    it('answers 400 to a key containing a tab', async () => {
      const res = await postRaw(m.key, 'abc\tdef', { email: uniqueEmail() });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('idempotency_key_invalid');
    });

    it('answers 400 to a key containing Latin-1 bytes', async () => {
      const res = await postRaw(m.key, 'cl\u00e9', { email: uniqueEmail() });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('idempotency_key_invalid');
    });

    it('answers 400 to a key containing control characters (sent below the HTTP client)', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: CUSTOMERS,
        headers: { authorization: `Bearer ${m.key}`, 'content-type': 'application/json', 'idempotency-key': 'abc\u0001\u001bdef' },
        payload: JSON.stringify({ email: uniqueEmail() }),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('idempotency_key_invalid');
    });
  });

  describe('failures are not stored (A11)', () => {
    it('executes a retry with a fixed body after a validation failure with the same key', async () => {
      const key = uniqueKey('fix');
      const bad = await api(t, m.key).post(CUSTOMERS, { email: 'not-an-email' }, key);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
      const email = uniqueEmail();
      const good = await api(t, m.key).post(CUSTOMERS, { email }, key);
      expect(good.status).toBe(201);
      expect(good.headers['idempotent-replayed']).toBeUndefined();
      await expect(customersWithEmail(m.key, email)).resolves.toEqual([good.body.id]);
    });

    it('executes a retry after a domain error (409) with the same key', async () => {
      const externalId = uniqueKey('ext');
      expect((await api(t, m.key).post(CUSTOMERS, { email: uniqueEmail(), externalId })).status).toBe(201);
      const key = uniqueKey('conflict');
      const clash = await api(t, m.key).post(CUSTOMERS, { email: uniqueEmail(), externalId }, key);
      expect(clash.status).toBe(409);
      expect(clash.body.error.code).toBe('already_exists');
      const retry = await api(t, m.key).post(CUSTOMERS, { email: uniqueEmail(), externalId: `${externalId}-2` }, key);
      expect(retry.status).toBe(201);
    });

    it('does not store a request refused for scope', async () => {
      const readOnly = await createKey(t, m.merchant.id, { scopes: ['customers:read'] });
      const key = uniqueKey('scope');
      const email = uniqueEmail();
      expect((await api(t, readOnly).post(CUSTOMERS, { email }, key)).status).toBe(403);
      const res = await api(t, m.key).post(CUSTOMERS, { email }, key);
      expect(res.status).toBe(201);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
    });

    it('stores nothing in idempotency_key for a failed request', async () => {
      const key = uniqueKey('nothing');
      expect((await api(t, m.key).post(CUSTOMERS, { email: 'nope' }, key)).status).toBe(400);
      const rows: unknown[] = await ds.query(`SELECT 1 FROM idempotency_key WHERE merchant_id = $1 AND key = $2`, [m.merchant.id, key]);
      expect(rows).toEqual([]);
    });
  });

  describe('storage at rest (R32, A13)', () => {
    async function storedText(key: string): Promise<string> {
      const rows: { row: string }[] = await ds.query(`SELECT t::text AS row FROM idempotency_key t WHERE merchant_id = $1 AND key = $2`, [m.merchant.id, key]);
      expect(rows).toHaveLength(1);
      return rows[0].row;
    }

    it('keeps no plaintext customer PII in the stored response, yet replays it', async () => {
      const key = uniqueKey('pii');
      const email = uniqueEmail();
      const body = { email, name: 'Grace Hopper', billingProfile: { taxId: 'GB-TAX-7781', address: { line1: '1 Secret Lane', country: 'GB' } } };
      const first = await api(t, m.key).post(CUSTOMERS, body, key);
      expect(first.status).toBe(201);
      const stored = await storedText(key);
      for (const secret of [email, 'Grace Hopper', 'GB-TAX-7781', '1 Secret Lane']) expect(stored).not.toContain(secret);
      const replay = await api(t, m.key).post(CUSTOMERS, body, key);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
    });

    it('keeps no plaintext link secret from a rotation in the stored response', async () => {
      const key = uniqueKey('rotate');
      const first = await api(t, m.key).post('/api/v1/merchant/link-secret/rotate', undefined, key);
      expect(first.status).toBe(200);
      const secret = first.body.secret as string;
      expect(secret.length).toBeGreaterThan(20);
      await expect(storedText(key)).resolves.not.toContain(secret);
      const replay = await api(t, m.key).post('/api/v1/merchant/link-secret/rotate', undefined, key);
      expect(replay.status).toBe(200);
      expect(replay.body.secret).toBe(secret);
    });

    it('stores a keyed fingerprint, not a plain SHA-256 of the request', async () => {
      const key = uniqueKey('fp');
      const body = { email: uniqueEmail() };
      await api(t, m.key).post(CUSTOMERS, body, key);
      const rows: { fingerprint: string }[] = await ds.query(`SELECT fingerprint FROM idempotency_key WHERE merchant_id = $1 AND key = $2`, [m.merchant.id, key]);
      const plain = createHash('sha256').update(`POST\n${CUSTOMERS}\n${JSON.stringify(body)}`).digest('hex');
      expect(rows[0].fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0].fingerprint).not.toBe(plain);
    });
  });

  describe('expiry (A12)', () => {
    it('still replays just before 24 h', async () => {
      const key = uniqueKey('young');
      const email = uniqueEmail();
      const first = await api(t, m.key).post(CUSTOMERS, { email }, key);
      t.clock.advance(IDEMPOTENCY_TTL_MS - 1000);
      const second = await api(t, m.key).post(CUSTOMERS, { email }, key);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body.id).toBe(first.body.id);
    });

    it('executes again once the key is 24 h + 1 s old', async () => {
      const key = uniqueKey('old');
      const email = uniqueEmail();
      const first = await api(t, m.key).post(CUSTOMERS, { email }, key);
      t.clock.advance(24 * 60 * 60 * 1000 + 1000);
      const second = await api(t, m.key).post(CUSTOMERS, { email }, key);
      expect(second.status).toBe(201);
      expect(second.headers['idempotent-replayed']).toBeUndefined();
      expect(second.body.id).not.toBe(first.body.id);
      const ids = await customersWithEmail(m.key, email);
      expect(ids.sort()).toEqual([first.body.id, second.body.id].sort());
    });

    it('replays the new execution after the old key expired', async () => {
      const key = uniqueKey('renewed');
      const email = uniqueEmail();
      await api(t, m.key).post(CUSTOMERS, { email }, key);
      t.clock.advance(IDEMPOTENCY_TTL_MS + 1000);
      const second = await api(t, m.key).post(CUSTOMERS, { email }, key);
      const third = await api(t, m.key).post(CUSTOMERS, { email }, key);
      expect(third.headers['idempotent-replayed']).toBe('true');
      expect(third.body.id).toBe(second.body.id);
    });
  });
});
