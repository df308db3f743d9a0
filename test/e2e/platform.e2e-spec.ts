import fs from 'node:fs';
import type { Response } from 'supertest';
import { CustomerService } from '../../src/customers/customer.service';
import { api, createMerchant, createTestApp, type TestApp, type TestMerchant } from '../app';

const CUSTOMERS = '/api/v1/customers';

// Everything the app writes to stdout (pino writes through sonic-boom or process.stdout) while this file
// runs, so the logs can be searched (L26) and do not flood the test output.
class StdoutCapture {
  private readonly chunks: string[] = [];
  private spies: jest.SpyInstance[] = [];

  start(): void {
    const writeSync = fs.writeSync.bind(fs) as (...args: unknown[]) => number;
    const write = fs.write.bind(fs) as (...args: unknown[]) => void;
    this.spies = [
      jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: unknown, ...rest: unknown[]) => {
        if (fd !== 1) return writeSync(fd, data, ...rest);
        this.chunks.push(String(data));
        return Buffer.byteLength(String(data));
      }) as typeof fs.writeSync),
      jest.spyOn(fs, 'write').mockImplementation(((fd: number, data: unknown, ...rest: unknown[]) => {
        if (fd !== 1) return write(fd, data, ...rest);
        this.chunks.push(String(data));
        const callback = rest[rest.length - 1] as (err: null, written: number) => void;
        process.nextTick(() => callback(null, Buffer.byteLength(String(data))));
      }) as typeof fs.write),
      jest.spyOn(process.stdout, 'write').mockImplementation(((data: unknown, ...rest: unknown[]) => {
        this.chunks.push(String(data));
        const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        if (callback) process.nextTick(callback);
        return true;
      }) as typeof process.stdout.write),
    ];
  }

  stop(): void {
    for (const spy of this.spies) spy.mockRestore();
  }

  text(): string {
    return this.chunks.join('');
  }

  lines(): Record<string, unknown>[] {
    return this.text()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

describe('platform: health, metrics, docs, headers and logs', () => {
  const stdout = new StdoutCapture();
  let t: TestApp;
  let m: TestMerchant;

  beforeAll(async () => {
    stdout.start();
    t = await createTestApp({ env: { LOG_LEVEL: 'info' } });
    m = await createMerchant(t);
  });

  afterAll(async () => {
    await t.close();
    stdout.stop();
  });

  describe('health', () => {
    it('GET /healthz answers 200 {status: ok} without credentials', async () => {
      const res = await t.http().get('/healthz');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('GET /readyz answers 200 with the database and Redis up', async () => {
      const res = await t.http().get('/readyz');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' } } });
    });
  });

  describe('metrics', () => {
    it('exposes the HTTP duration histogram labelled with the route template', async () => {
      const created = await api(t, m.key).post(CUSTOMERS, { email: 'metrics@example.com' });
      await api(t, m.key).get(`${CUSTOMERS}/${created.body.id}`);
      const res = await t.http().get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toContain('# TYPE billfold_http_request_duration_seconds histogram');
      expect(res.text).toMatch(/billfold_http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/customers\/:id"[^}]*\} [1-9]/);
      // Templates, not concrete ids: one series per route, however many customers exist.
      expect(res.text).not.toContain(created.body.id);
    });

    it('labels unmatched paths as one series, so probes cannot blow up cardinality', async () => {
      await t.http().get('/wp-admin/setup-config.php?probe=1');
      const res = await t.http().get('/metrics');
      expect(res.text).not.toContain('wp-admin');
      expect(res.text).toMatch(/route="unmatched"/);
    });

    it('includes default process metrics under the billfold_ prefix', async () => {
      const res = await t.http().get('/metrics');
      expect(res.text).toMatch(/^billfold_process_cpu_seconds_total /m);
    });
  });

  describe('OpenAPI document', () => {
    let doc: {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> }; parameters?: { name: string; in: string }[]; security?: unknown[] }>>;
      components?: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
    };

    beforeAll(async () => {
      const res = await t.http().get('/api/docs-json');
      expect(res.status).toBe(200);
      doc = res.body as typeof doc;
    });

    it('is an OpenAPI 3 document with bearer authentication', () => {
      expect(doc.openapi).toMatch(/^3\./);
      expect(Object.values(doc.components?.securitySchemes ?? {})).toContainEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    });

    it('documents POST /api/v1/customers with its JSON request body schema', () => {
      const post = doc.paths['/api/v1/customers']?.post;
      expect(post).toBeDefined();
      const schema = post!.requestBody!.content['application/json'].schema;
      expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(['email', 'name', 'externalId', 'metadata', 'billingProfile']));
      expect(schema.required).toContain('email');
    });

    it('documents the Idempotency-Key header on POST /api/v1/customers', () => {
      const params = doc.paths['/api/v1/customers'].post.parameters ?? [];
      expect(params).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    });

    it('documents a request body for PATCH /api/v1/customers/{id}', () => {
      expect(doc.paths['/api/v1/customers/{id}']?.patch?.requestBody?.content['application/json'].schema.properties).toHaveProperty('email');
    });

    it('leaves health and metrics out of the merchant API document', () => {
      expect(Object.keys(doc.paths)).not.toEqual(expect.arrayContaining(['/healthz']));
      expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/api/v1/'))).toEqual([]);
    });
  });

  describe('headers (R15, R35)', () => {
    async function responses(): Promise<[string, Response][]> {
      return [
        ['health', await t.http().get('/healthz')],
        ['API success', await api(t, m.key).get(CUSTOMERS)],
        ['401', await t.http().get(CUSTOMERS)],
        ['404', await t.http().get('/nope')],
        ['415', await t.http().post(CUSTOMERS).set('authorization', `Bearer ${m.key}`).set('idempotency-key', 'h').set('content-type', 'text/plain').send('x')],
      ];
    }

    it('never sends x-powered-by', async () => {
      for (const [name, res] of await responses()) expect([name, res.headers['x-powered-by']]).toEqual([name, undefined]);
    });

    it('sends nosniff, frame denial, HSTS and no-referrer on every response', async () => {
      for (const [name, res] of await responses()) {
        expect([name, res.headers['x-content-type-options']]).toEqual([name, 'nosniff']);
        expect([name, res.headers['x-frame-options']]).toEqual([name, 'DENY']);
        expect([name, res.headers['referrer-policy']]).toEqual([name, 'no-referrer']);
        const maxAge = Number(/max-age=(\d+)/.exec(String(res.headers['strict-transport-security']))?.[1]);
        expect([name, maxAge >= 31_536_000]).toEqual([name, true]);
      }
    });

    it('marks error responses cache-control: no-store', async () => {
      for (const [name, res] of (await responses()).filter(([, r]) => r.status >= 400)) {
        expect([name, res.headers['cache-control']]).toEqual([name, 'no-store']);
      }
    });

    it('sends JSON with a charset', async () => {
      const res = await api(t, m.key).get(CUSTOMERS);
      expect(res.headers['content-type']).toMatch(/^application\/json; charset=utf-8/i);
    });
  });

  describe('internal errors', () => {
    it('answers an unexpected exception with a generic 500 and no stack, and logs the cause', async () => {
      const spy = jest.spyOn(CustomerService.prototype, 'list').mockRejectedValueOnce(new Error('db exploded at 10.1.2.3 with password hunter2'));
      try {
        const res = await api(t, m.key).get(CUSTOMERS);
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ error: { code: 'internal_error', message: 'An internal error occurred' } });
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.text).not.toMatch(/hunter2|10\.1\.2\.3|at .*\(|\.ts:\d+/);
      } finally {
        spy.mockRestore();
      }
      // The operator still sees why: the cause goes to the log, not to the client.
      expect(stdout.text()).toContain('db exploded');
    });
  });

  describe('logs (L26)', () => {
    it('never contain the API key, whatever the request did with it', async () => {
      const key = m.key;
      await api(t, key).get(CUSTOMERS);
      await api(t, key).post(CUSTOMERS, { email: 'log@example.com', name: key });
      await t.http().get(`${CUSTOMERS}?email=x`).set('authorization', `Bearer ${key}x`);
      await t.http().get(CUSTOMERS).set('authorization', `Basic ${key}`).set('x-api-key', key).set('cookie', `k=${key}`);
      // A failing request is logged with its error: the key must not ride along with it.
      const spy = jest.spyOn(CustomerService.prototype, 'list').mockRejectedValueOnce(new Error('list failed for this request'));
      try {
        expect((await api(t, key).get(CUSTOMERS)).status).toBe(500);
      } finally {
        spy.mockRestore();
      }
      const text = stdout.text();
      expect(text).toContain('list failed for this request');
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(8, 40));
    });

    // KNOWN BUG (reported): nestjs-pino's pino-http middleware is registered (path "{/*splat}")
    // but never runs under Nest 12 on Fastify, so the API writes no request log at all.
    // Flip this to it() once request logging works.
    it('write one line per API request with method, url, status and request id, without headers', async () => {
      await api(t, m.key).get(`${CUSTOMERS}?limit=5`);
      const line = stdout
        .lines()
        .reverse()
        .find((l) => (l.req as { url?: string } | undefined)?.url === `${CUSTOMERS}?limit=5`);
      expect(line).toMatchObject({ req: { method: 'GET' }, res: { statusCode: 200 } });
      expect((line!.req as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.stringify(line)).not.toMatch(/authorization|sk_test_/i);
    });
  });
});
