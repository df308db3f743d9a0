import fc from 'fast-check';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { createMerchant, createTestApp, type TestApp, type TestMerchant } from '../app';

const CUSTOMERS = '/api/v1/customers';
const MERCHANT = '/api/v1/merchant';

// What a stack trace or an internal detail looks like when it leaks into a response.
const LEAK = /\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+|node_modules|QueryFailedError|TypeError|stack/;

let seq = 0;

describe('request validation and hygiene', () => {
  let t: TestApp;
  let m: TestMerchant;

  beforeAll(async () => {
    t = await createTestApp();
    m = await createMerchant(t);
  });

  afterAll(async () => {
    await t.close();
  });

  function auth(): Record<string, string> {
    return { authorization: `Bearer ${m.key}` };
  }

  // A POST with a raw body and content type, and a fresh Idempotency-Key.
  function postRaw(path: string, contentType: string | null, body: string | Buffer | undefined): Promise<Response> {
    seq += 1;
    const req = t.http().post(path).set(auth()).set('idempotency-key', `validation-${Date.now()}-${seq}`);
    if (contentType !== null) req.set('content-type', contentType);
    return body === undefined ? req : req.send(body);
  }

  function patchRaw(path: string, body: string): Promise<Response> {
    return t.http().patch(path).set(auth()).set('content-type', 'application/json').send(body);
  }

  async function customerCount(): Promise<number> {
    const rows: { n: string }[] = await t.app.get(DataSource).query(`SELECT count(*) AS n FROM customer WHERE merchant_id = $1`, [m.merchant.id]);
    return Number(rows[0].n);
  }

  function expectError(res: Response, status: number, code: string): void {
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.stringify(res.body)).not.toMatch(LEAK);
  }

  describe('JSON bodies', () => {
    it('answers malformed JSON with 400 malformed_request and a generic message', async () => {
      const res = await postRaw(CUSTOMERS, 'application/json', '{"email": "a@example.com",');
      expectError(res, 400, 'malformed_request');
      expect(res.body.error.message).not.toContain('a@example.com');
    });

    it('answers a wrong type with 400 validation_failed naming the field', async () => {
      const res = await postRaw(CUSTOMERS, 'application/json', JSON.stringify({ email: 42, name: ['x'] }));
      expectError(res, 400, 'validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'name']);
    });

    it('answers an unknown top-level field with 400 listing its path', async () => {
      const res = await postRaw(CUSTOMERS, 'application/json', JSON.stringify({ email: 'a@example.com', merchantId: 'mer_x' }));
      expectError(res, 400, 'validation_failed');
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'merchantId', code: 'unrecognized_keys' })]);
    });

    it('answers an unknown nested field with 400 listing its full path', async () => {
      const res = await postRaw(CUSTOMERS, 'application/json', JSON.stringify({ email: 'a@example.com', billingProfile: { address: { country: 'GB', planet: 'Earth' } } }));
      expectError(res, 400, 'validation_failed');
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'billingProfile.address.planet' })]);
    });

    it.each([
      ['a top-level __proto__ key', '{"email":"p@example.com","__proto__":{"admin":true}}'],
      ['a nested __proto__ key', '{"email":"p@example.com","billingProfile":{"__proto__":{"x":1}}}'],
      ['a __proto__ metadata key', '{"email":"p@example.com","metadata":{"__proto__":"x"}}'],
      ['constructor.prototype', '{"email":"p@example.com","constructor":{"prototype":{"admin":true}}}'],
      ['a plain constructor key', '{"email":"p@example.com","constructor":1}'],
    ])('answers %s with 400 and writes nothing', async (_name, body) => {
      const before = await customerCount();
      const res = await postRaw(CUSTOMERS, 'application/json', body);
      expect(res.status).toBe(400);
      expect(['malformed_request', 'validation_failed']).toContain(res.body.error.code);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      await expect(customerCount()).resolves.toBe(before);
    });

    it('answers __proto__ in a PATCH with 400 and leaves the merchant unchanged', async () => {
      const before = (await t.http().get(MERCHANT).set(auth())).body;
      const res = await patchRaw(MERCHANT, '{"name":"Hacked","__proto__":{"status":"disabled"}}');
      expect(res.status).toBe(400);
      expect((await t.http().get(MERCHANT).set(auth())).body).toEqual(before);
    });

    it.each([
      ['a NUL in a text field', '{"email":"n@example.com","name":"a\\u0000b"}', 'name'],
      ['a NUL in a metadata value', '{"email":"n@example.com","metadata":{"k":"a\\u0000b"}}', 'metadata.k'],
      ['a lone surrogate in a text field', '{"email":"n@example.com","name":"\\ud800x"}', 'name'],
      ['a lone surrogate in a metadata value', '{"email":"n@example.com","metadata":{"k":"\\udc00"}}', 'metadata.k'],
    ])('answers %s with 400 naming the field, never 500', async (_name, body, path) => {
      const res = await postRaw(CUSTOMERS, 'application/json', body);
      expectError(res, 400, 'validation_failed');
      expect(res.body.error.details[0].path).toBe(path);
    });

    it('answers a body nested thousands of levels deep with 400', async () => {
      const res = await postRaw(CUSTOMERS, 'application/json', '['.repeat(30_000) + ']'.repeat(30_000));
      expectError(res, 400, 'validation_failed');
    });

    it('answers a deeply nested PATCH body with 400', async () => {
      const res = await patchRaw(MERCHANT, `{"name":"x","branding":${'{"a":'.repeat(5000)}1${'}'.repeat(5001)}`);
      expectError(res, 400, 'validation_failed');
    });

    it('answers a value that makes a schema refinement throw with 400, not 500', async () => {
      // "https://" passes the URL format check but makes `new URL()` in a refinement throw.
      const res = await patchRaw(MERCHANT, JSON.stringify({ returnUrlPrefixes: ['https://'] }));
      expectError(res, 400, 'validation_failed');
    });
  });

  describe('empty bodies', () => {
    it('answers a POST without a body with 400', async () => {
      expectError(await postRaw(CUSTOMERS, null, undefined), 400, 'validation_failed');
    });

    it('answers an empty JSON body with 400 malformed_request', async () => {
      expectError(await postRaw(CUSTOMERS, 'application/json', ''), 400, 'malformed_request');
    });

    it.each([
      ['null', 'null'],
      ['an array', '[]'],
      ['a string', '"a@example.com"'],
      ['a number', '1'],
      ['an empty object', '{}'],
    ])('answers a JSON body that is %s with 400 validation_failed', async (_name, body) => {
      expectError(await postRaw(CUSTOMERS, 'application/json', body), 400, 'validation_failed');
    });

    it('answers an empty PATCH object with 400', async () => {
      expectError(await patchRaw(MERCHANT, '{}'), 400, 'validation_failed');
    });
  });

  describe('body size (A14)', () => {
    it('answers a 100 kB body with 413 payload_too_large', async () => {
      const res = await postRaw(CUSTOMERS, 'application/json', JSON.stringify({ email: 'big@example.com', name: 'x'.repeat(100_000) }));
      expectError(res, 413, 'payload_too_large');
    });

    it('answers a 10 MB body with 413 quickly', async () => {
      const started = Date.now();
      const res = await postRaw(CUSTOMERS, 'application/json', JSON.stringify({ email: 'huge@example.com', name: 'x'.repeat(10_000_000) }));
      expectError(res, 413, 'payload_too_large');
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('accepts a body just under the limit up to validation', async () => {
      // 60 kB is under the 64 kB limit: the request is parsed and refused by the schema, not by size.
      const res = await postRaw(CUSTOMERS, 'application/json', JSON.stringify({ email: 'ok@example.com', name: 'x'.repeat(60_000) }));
      expectError(res, 400, 'validation_failed');
    });

    it('applies a configured API_BODY_LIMIT_BYTES', async () => {
      const small = await createTestApp({ env: { API_BODY_LIMIT_BYTES: '2048' } });
      try {
        const merchant = await createMerchant(small);
        const res = await small
          .http()
          .post(CUSTOMERS)
          .set('authorization', `Bearer ${merchant.key}`)
          .set('idempotency-key', 'limit')
          .set('content-type', 'application/json')
          .send(JSON.stringify({ email: 'a@example.com', name: 'x'.repeat(3000) }));
        expect(res.status).toBe(413);
      } finally {
        await small.close();
      }
    });
  });

  describe('content types (R35, A14)', () => {
    it.each([
      ['text/plain', '{"email":"t@example.com"}'],
      ['application/x-www-form-urlencoded', 'email=t%40example.com'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nt@example.com\r\n--x--\r\n'],
      ['application/xml', '<customer><email>t@example.com</email></customer>'],
      ['application/jsonp', '{"email":"t@example.com"}'],
    ])('answers a %s POST with 415 and creates nothing', async (contentType, body) => {
      const before = await customerCount();
      expectError(await postRaw(CUSTOMERS, contentType, body), 415, 'unsupported_media_type');
      await expect(customerCount()).resolves.toBe(before);
    });

    it('answers a form-encoded PATCH with 415', async () => {
      const res = await t.http().patch(MERCHANT).set(auth()).set('content-type', 'application/x-www-form-urlencoded').send('name=Form');
      expectError(res, 415, 'unsupported_media_type');
    });

    it('accepts application/json with a charset parameter', async () => {
      const res = await postRaw(CUSTOMERS, 'application/json; charset=utf-8', JSON.stringify({ email: 'charset@example.com' }));
      expect(res.status).toBe(201);
    });
  });

  describe('URLs and query strings', () => {
    it.each([
      ['an unknown query parameter', `${CUSTOMERS}?admin=1`, 400],
      ['a non-numeric limit', `${CUSTOMERS}?limit=abc`, 400],
      ['a repeated limit', `${CUSTOMERS}?limit=1&limit=2`, 400],
      ['a limit above 100', `${CUSTOMERS}?limit=1000`, 400],
      ['a bracketed query key', `${CUSTOMERS}?email[$ne]=x`, 400],
      ['a 10 kB query value', `${CUSTOMERS}?email=${'a'.repeat(10_000)}`, 400],
      ['a malformed cursor', `${CUSTOMERS}?startingAfter=not-an-id`, 400],
      ['a NUL in a query value', `${CUSTOMERS}?email=%00`, 400],
      ['a cursor that does not exist', `${CUSTOMERS}?startingAfter=cus_aaaaaaaaaaaaaaaaaaaaaa`, 404],
      ['a non-id path parameter', `${CUSTOMERS}/not-an-id`, 404],
      ['an emoji path parameter', `${CUSTOMERS}/%F0%9F%98%80`, 404],
      ['a SQL-looking path parameter', `${CUSTOMERS}/${encodeURIComponent("' OR '1'='1")}`, 404],
      ['a NUL path parameter', `${CUSTOMERS}/%00`, 400],
      ['a bad percent-encoding', `${CUSTOMERS}/%E0%A4%A`, 400],
      ['an over-long path parameter', `${CUSTOMERS}/${'a'.repeat(700)}`, 414],
      ['an unknown route', '/api/v1/nothing-here', 404],
      ['an encoded path traversal', `${MERCHANT}/..%2f..%2fadmin`, 404],
    ])('answers %s with a JSON %i', async (_name, path, status) => {
      const res = await t.http().get(path).set(auth());
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(JSON.stringify(res.body)).not.toMatch(LEAK);
    });

    it('answers a 100 kB URL with a 4xx, never a 500', async () => {
      const res = await t.http().get(`${CUSTOMERS}?email=${'a'.repeat(100_000)}`).set(auth());
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    });

    it('answers an unknown route without credentials with 404 JSON', async () => {
      const res = await t.http().get('/definitely/not/here');
      expectError(res, 404, 'route_not_found');
    });

    it('answers DELETE on a collection that has no such route with 404 JSON', async () => {
      expectError(await t.http().delete(CUSTOMERS).set(auth()), 404, 'route_not_found');
    });
  });

  describe('arbitrary input never causes a 500 (F3)', () => {
    // Objects built from the real field names reach deeper into the schemas than random keys do.
    const value = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
    const customerish = fc.dictionary(fc.constantFrom('email', 'name', 'externalId', 'metadata', 'billingProfile', 'address', 'country', 'x'), value, { maxKeys: 5 });
    const merchantish = fc.dictionary(
      fc.constantFrom('name', 'branding', 'portalSettings', 'billingSettings', 'returnUrlPrefixes', 'embedOrigins', 'defaultLinkTtlSeconds', 'receivingAddresses', 'logoUrl'),
      value,
      { maxKeys: 5 },
    );

    it('POST /api/v1/customers answers < 500 for arbitrary JSON', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(value, customerish), async (body) => {
          const res = await postRaw(CUSTOMERS, 'application/json', JSON.stringify(body));
          expect(res.status).toBeLessThan(500);
          expect(JSON.stringify(res.body)).not.toMatch(LEAK);
        }),
        { numRuns: 100, interruptAfterTimeLimit: 8000 },
      );
    });

    it('PATCH /api/v1/merchant answers < 500 for arbitrary JSON', async () => {
      const own = await createMerchant(t);
      await fc.assert(
        fc.asyncProperty(fc.oneof(value, merchantish), async (body) => {
          const res = await t.http().patch(MERCHANT).set('authorization', `Bearer ${own.key}`).set('content-type', 'application/json').send(JSON.stringify(body));
          expect(res.status).toBeLessThan(500);
        }),
        { numRuns: 100, interruptAfterTimeLimit: 8000 },
      );
    });

    it('GET /api/v1/customers/:id and list filters answer < 500 for arbitrary strings', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }), async (s) => {
          const byId = await t.http().get(`${CUSTOMERS}/${encodeURIComponent(s)}`).set(auth());
          const byEmail = await t.http().get(`${CUSTOMERS}?email=${encodeURIComponent(s)}`).set(auth());
          expect(byId.status).toBeLessThan(500);
          expect(byEmail.status).toBeLessThan(500);
        }),
        { numRuns: 60, interruptAfterTimeLimit: 6000 },
      );
    });
  });
});
