import { createPublicKey, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { ColumnCipher } from '../../src/common/crypto/column-cipher';
import { TEST_MASTER_KEY } from '../support/env';
import { WebhookDeliveryService } from '../../src/webhooks/webhook-delivery.service';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.service';
import { api, createKey, createMerchant, createTestApp, type TestApp, type TestMerchant } from '../app';

// A loopback receiver: records every request with its raw body bytes; answers per path.
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

async function startReceiver(): Promise<{ server: Server; base: string; received: Received[]; answer: Map<string, (res: ServerResponse) => void> }> {
  const received: Received[] = [];
  const answer = new Map<string, (res: ServerResponse) => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
      (answer.get(path) ?? ((r: ServerResponse) => r.writeHead(200).end('ok')))(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, answer };
}

function verifyV1a(publicKey: string, headers: IncomingHttpHeaders, body: Buffer): boolean {
  const entries = String(headers['webhook-signature']).split(' ');
  const v1a = entries.find((e) => e.startsWith('v1a,'));
  if (!v1a) return false;
  const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKey.slice('whpk_'.length), 'base64')]), format: 'der', type: 'spki' });
  const signed = Buffer.concat([Buffer.from(`${headers['webhook-id']}.${headers['webhook-timestamp']}.`), body]);
  return verify(null, signed, key, Buffer.from(v1a.slice(4), 'base64'));
}

const headersOf = (r: Received) => ({ 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) });

describe('webhooks: endpoints API, signing and delivery', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let m: TestMerchant;
  let client: ReturnType<typeof api>;
  let dispatcher: WebhookDispatcher;
  let delivery: WebhookDeliveryService;
  let ds: DataSource;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await createTestApp({ env: { WEBHOOK_ALLOW_LOOPBACK: 'true' } });
    m = await createMerchant(t);
    client = api(t, m.key);
    dispatcher = t.app.get(WebhookDispatcher);
    delivery = t.app.get(WebhookDeliveryService);
    ds = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
    receiver?.server.closeAllConnections();
    await new Promise((r) => receiver?.server.close(r));
  });

  beforeEach(() => {
    t.clock.set(new Date());
    receiver.received.length = 0;
    receiver.answer.clear();
  });

  async function endpoint(path: string, body: object = {}): Promise<{ id: string; secret: string }> {
    const res = await client.post('/api/v1/webhook-endpoints', { url: `${receiver.base}${path}`, ...body });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }

  async function deliveriesOf(eventId: string): Promise<{ id: string; endpoint_id: string; status: string }[]> {
    return ds.query(`SELECT id, endpoint_id, status FROM webhook_delivery WHERE event_id = $1 ORDER BY created_at`, [eventId]);
  }

  async function createCustomer(email: string): Promise<{ customerId: string; eventId: string }> {
    const res = await client.post('/api/v1/customers', { email });
    expect(res.status).toBe(201);
    const [event] = await ds.query(`SELECT id FROM outbox_event WHERE merchant_id = $1 AND type = 'customer.created' AND data->'object'->>'id' = $2`, [m.merchant.id, res.body.id]);
    return { customerId: res.body.id as string, eventId: event.id as string };
  }

  describe('endpoints API', () => {
    it('creates an endpoint whose secret is shown once and stored encrypted', async () => {
      const res = await client.post('/api/v1/webhook-endpoints', { url: `${receiver.base}/created`, eventTypes: ['invoice.paid', 'customer.created', 'invoice.paid'], description: 'orders service' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ object: 'webhook_endpoint', livemode: false, url: `${receiver.base}/created`, eventTypes: ['customer.created', 'invoice.paid'], status: 'enabled', description: 'orders service' });
      expect(res.body.id).toMatch(/^we_/);
      expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const secret = res.body.secret as string;

      const one = await client.get(`/api/v1/webhook-endpoints/${res.body.id}`);
      const list = await client.get('/api/v1/webhook-endpoints');
      expect(one.status).toBe(200);
      expect(one.body.secret).toBeUndefined();
      expect(list.body.data.map((e: { id: string }) => e.id)).toContain(res.body.id);
      expect(JSON.stringify([one.body, list.body])).not.toContain(secret.slice(6, 30));

      const [row] = await ds.query(`SELECT secret_enc FROM webhook_endpoint WHERE id = $1`, [res.body.id]);
      expect(row.secret_enc).not.toContain(secret.slice(6, 30));
      const cipher = new ColumnCipher(Buffer.from(TEST_MASTER_KEY, 'hex'));
      expect(cipher.decrypt(row.secret_enc, { merchantId: m.merchant.id, table: 'webhook_endpoint', column: 'secret_enc', rowId: res.body.id })).toBe(secret);
      // Bound to its row: the same ciphertext does not open as another endpoint's.
      expect(() => cipher.decrypt(row.secret_enc, { merchantId: m.merchant.id, table: 'webhook_endpoint', column: 'secret_enc', rowId: 'we_other' })).toThrow('authentication');

      const audits = await ds.query(`SELECT action, changes FROM audit_event WHERE target_id = $1`, [res.body.id]);
      expect(audits.map((a: { action: string }) => a.action)).toEqual(['webhook_endpoint.create']);
      expect(JSON.stringify(audits)).not.toContain(secret.slice(6, 30));
      const events = await ds.query(`SELECT type FROM outbox_event WHERE data::text LIKE $1`, [`%${res.body.id}%`]);
      expect(events).toEqual([]);
    });

    it.each([
      [{ url: 'https://169.254.169.254/latest/meta-data' }, 'url'],
      [{ url: 'https://user:pass@127.0.0.1/hook' }, 'url'],
      [{ url: 'ftp://127.0.0.1/hook' }, 'url'],
      [{ url: 'https://[::ffff:169.254.169.254]/' }, 'url'],
      [{ url: 'https://hooks.example/hook', eventTypes: ['invoice.exploded'] }, 'eventTypes.0'],
      [{ url: 'https://hooks.example/hook', secret: 'whsec_mine' }, 'secret'],
    ])('refuses %j (400 at %s)', async (body, path) => {
      const res = await client.post('/api/v1/webhook-endpoints', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    });

    it('needs the webhooks:manage scope', async () => {
      const key = await createKey(t, m.merchant.id, { scopes: ['customers:read'] });
      const res = await api(t, key).get('/api/v1/webhook-endpoints');
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('insufficient_scope');
    });

    it('updates, disables, re-enables and deletes, auditing each change', async () => {
      const { id } = await endpoint('/lifecycle');
      const off = await client.patch(`/api/v1/webhook-endpoints/${id}`, { enabled: false, description: 'paused' });
      expect(off.body).toMatchObject({ status: 'disabled', disabledReason: 'merchant', description: 'paused' });
      const test = await client.post(`/api/v1/webhook-endpoints/${id}/test`);
      expect(test.status).toBe(409);
      const on = await client.patch(`/api/v1/webhook-endpoints/${id}`, { enabled: true, eventTypes: ['invoice.created'] });
      expect(on.body).toMatchObject({ status: 'enabled', disabledReason: null, eventTypes: ['invoice.created'] });
      const deleted = await client.delete(`/api/v1/webhook-endpoints/${id}`);
      expect(deleted.body).toEqual({ id, object: 'webhook_endpoint', deleted: true });
      expect((await client.get(`/api/v1/webhook-endpoints/${id}`)).status).toBe(404);
      expect((await client.delete(`/api/v1/webhook-endpoints/${id}`)).status).toBe(404);
      const audits = await ds.query(`SELECT action FROM audit_event WHERE target_id = $1 ORDER BY created_at`, [id]);
      expect(audits.map((a: { action: string }) => a.action)).toEqual(['webhook_endpoint.create', 'webhook_endpoint.update', 'webhook_endpoint.update', 'webhook_endpoint.delete']);
    });

    it('publishes a per-merchant, per-mode Ed25519 public key', async () => {
      const first = await client.get('/api/v1/merchant/webhook-public-key');
      expect(first.status).toBe(200);
      expect(first.body.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
      expect((await client.get('/api/v1/merchant/webhook-public-key')).body.publicKey).toBe(first.body.publicKey);
      const live = await api(t, await createKey(t, m.merchant.id, { livemode: true })).get('/api/v1/merchant/webhook-public-key');
      expect(live.body).toMatchObject({ livemode: true });
      expect(live.body.publicKey).not.toBe(first.body.publicKey);
      const other = await createMerchant(t);
      expect((await api(t, other.key).get('/api/v1/merchant/webhook-public-key')).body.publicKey).not.toBe(first.body.publicKey);
      const rows = await ds.query(`SELECT seed_enc FROM webhook_signing_key WHERE merchant_id = $1`, [m.merchant.id]);
      expect(rows).toHaveLength(2);
      expect(rows[0].seed_enc).toMatch(/^v1\.a256gcm\./);
    });
  });

  describe('delivery', () => {
    it('W3: a real state change reaches the receiver; the official library verifies v1, node:crypto verifies v1a, over the bytes on the wire', async () => {
      const { id: endpointId, secret } = await endpoint('/w3');
      const publicKey = (await client.get('/api/v1/merchant/webhook-public-key')).body.publicKey as string;
      const { customerId, eventId } = await createCustomer('w3@example.com');
      await dispatcher.drain();
      // Earlier tests' endpoints of this merchant receive the event too: take this endpoint's delivery.
      const [row] = (await deliveriesOf(eventId)).filter((d) => d.status === 'pending' && d.endpoint_id === endpointId);
      expect(row).toBeDefined();
      const report = await delivery.attempt(row.id);
      expect(report).toMatchObject({ attempt: 1, outcome: 'delivered', responseStatus: 200 });

      const got = receiver.received.filter((r) => r.path === '/w3');
      expect(got).toHaveLength(1);
      const [req] = got;
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['webhook-id']).toBe(eventId);
      expect(Number(req.headers['webhook-timestamp'])).toBe(Math.floor(t.clock.now().getTime() / 1000));
      const payload = new Webhook(secret).verify(req.body.toString('utf8'), headersOf(req)) as { type: string; timestamp: string; data: Record<string, unknown> };
      expect(verifyV1a(publicKey, req.headers, req.body)).toBe(true);
      // Flip one byte of the body: both signatures fail.
      const tampered = Buffer.from(req.body);
      tampered[tampered.length - 2] ^= 1;
      expect(() => new Webhook(secret).verify(tampered.toString('utf8'), headersOf(req))).toThrow();
      expect(verifyV1a(publicKey, req.headers, tampered)).toBe(false);

      expect(payload).toMatchObject({ type: 'customer.created', data: { object: { id: customerId, object: 'customer', email: 'w3@example.com' }, initiated_by: 'merchant_api' } });
      expect(Object.keys(payload)).toEqual(['type', 'timestamp', 'data']);
      expect(Object.keys(payload.data)).toEqual(['object', 'initiated_by', 'changes']);
      expect(new Date(payload.timestamp).toISOString()).toBe(payload.timestamp);
      expect(Number(req.headers['content-length'])).toBe(req.body.length);
    });

    it('W4: a retry keeps webhook-id, with a new timestamp and new signatures; the old signature fails with the new timestamp', async () => {
      const { id: w4Endpoint, secret } = await endpoint('/w4');
      let calls = 0;
      receiver.answer.set('/w4', (res) => res.writeHead((calls += 1) === 1 ? 500 : 200).end());
      const { eventId } = await createCustomer('w4@example.com');
      await dispatcher.drain();
      const [row] = (await deliveriesOf(eventId)).filter((d) => d.endpoint_id === w4Endpoint);
      const first = await delivery.attempt(row.id);
      expect(first).toMatchObject({ outcome: 'retry', responseStatus: 500 });
      // Not due yet: nothing is sent.
      await expect(delivery.attempt(row.id)).resolves.toBeNull();
      t.clock.set(first!.nextAttemptAt!);
      await expect(delivery.attempt(row.id)).resolves.toMatchObject({ attempt: 2, outcome: 'delivered' });

      const [a, b] = receiver.received.filter((r) => r.path === '/w4');
      expect(a.headers['webhook-id']).toBe(eventId);
      expect(b.headers['webhook-id']).toBe(eventId);
      expect(Number(b.headers['webhook-timestamp']) - Number(a.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(4);
      expect(b.headers['webhook-signature']).not.toBe(a.headers['webhook-signature']);
      expect(b.body.equals(a.body)).toBe(true);
      const wh = new Webhook(secret);
      expect(() => wh.verify(b.body.toString(), headersOf(b))).not.toThrow();
      // The first request's signature under the retry's timestamp fails.
      expect(() => wh.verify(a.body.toString(), { ...headersOf(a), 'webhook-timestamp': String(b.headers['webhook-timestamp']) })).toThrow('No matching signature');
    });

    it('W5: during a rotation both secrets sign (two v1 entries) and either verifies; after 24 h only the new one', async () => {
      const { id, secret: oldSecret } = await endpoint('/w5', { eventTypes: ['customer.created'] });
      const rotated = await client.post(`/api/v1/webhook-endpoints/${id}/rotate-secret`);
      expect(rotated.status).toBe(200);
      const newSecret = rotated.body.secret as string;
      expect(newSecret).toMatch(/^whsec_/);
      expect(newSecret).not.toBe(oldSecret);
      expect(new Date(rotated.body.previousSecretExpiresAt).getTime() - t.clock.now().getTime()).toBe(24 * 3600 * 1000);
      expect((await client.get(`/api/v1/webhook-endpoints/${id}`)).body.secret).toBeUndefined();

      const { eventId } = await createCustomer('w5@example.com');
      await dispatcher.drain();
      await delivery.attempt((await deliveriesOf(eventId)).find((d) => d.endpoint_id === id)!.id);
      const [req] = receiver.received.filter((r) => r.path === '/w5');
      const entries = String(req.headers['webhook-signature']).split(' ');
      expect(entries.map((e) => e.split(',')[0])).toEqual(['v1', 'v1', 'v1a']);
      expect(() => new Webhook(newSecret).verify(req.body.toString(), headersOf(req))).not.toThrow();
      expect(() => new Webhook(oldSecret).verify(req.body.toString(), headersOf(req))).not.toThrow();

      t.clock.advance(24 * 3600 * 1000 + 1000);
      const { eventId: later } = await createCustomer('w5b@example.com');
      await dispatcher.drain();
      await delivery.attempt((await deliveriesOf(later)).find((d) => d.endpoint_id === id)!.id);
      const last = receiver.received.filter((r) => r.path === '/w5').at(-1)!;
      expect(String(last.headers['webhook-signature']).split(' ').map((e) => e.split(',')[0])).toEqual(['v1', 'v1a']);
      expect((await client.get(`/api/v1/webhook-endpoints/${id}`)).body.previousSecretExpiresAt).toBeNull();
    });

    it('honours event-type filters, modes and merchants; an endpoint gets no events from before it existed', async () => {
      const { eventId: before } = await createCustomer('before@example.com');
      const filtered = await endpoint('/filtered', { eventTypes: ['invoice.created'] });
      const all = await endpoint('/all');
      const liveKey = await createKey(t, m.merchant.id, { livemode: true });
      const live = await api(t, liveKey).post('/api/v1/webhook-endpoints', { url: `${receiver.base}/live` });
      expect(live.status).toBe(201);
      const { eventId } = await createCustomer('filters@example.com');
      await dispatcher.drain();
      const targets = (await deliveriesOf(eventId)).map((d) => d.endpoint_id);
      expect(targets).toContain(all.id);
      expect(targets).not.toContain(filtered.id);
      expect(targets).not.toContain(live.body.id);
      expect((await deliveriesOf(before)).map((d) => d.endpoint_id)).not.toContain(all.id);
    });

    it('sends a webhook.test event to one endpoint whatever its filter, through the API', async () => {
      const { id, secret } = await endpoint('/test-event', { eventTypes: ['invoice.paid'] });
      const res = await client.post(`/api/v1/webhook-endpoints/${id}/test`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ object: 'webhook_delivery', endpointId: id, trigger: 'test', status: 'pending', maxAttempts: 1 });
      // The API left the job to the worker's sweep (its transaction was the request's); the sweep finds it due.
      expect(await delivery.sweepDue()).toBeGreaterThanOrEqual(1);
      await expect(delivery.attempt(res.body.id)).resolves.toMatchObject({ outcome: 'delivered' });
      const [req] = receiver.received.filter((r) => r.path === '/test-event');
      const payload = new Webhook(secret).verify(req.body.toString(), headersOf(req)) as { type: string; data: { object: { endpointId: string } } };
      expect(payload).toMatchObject({ type: 'webhook.test', data: { object: { object: 'webhook_test', endpointId: id }, initiated_by: 'merchant_api' } });
      expect(req.headers['webhook-id']).toBe(res.body.eventId);
    });

    it('W13: lists events with their deliveries and every attempt; redelivery is a new attempt with the same webhook-id', async () => {
      const { id } = await endpoint('/w13', { eventTypes: ['customer.created'] });
      receiver.answer.set('/w13', (res) => res.writeHead(503, { 'content-type': 'text/plain' }).end(`busy ${'z'.repeat(10_000)}`));
      const { eventId } = await createCustomer('w13@example.com');
      await dispatcher.drain();
      const [row] = (await deliveriesOf(eventId)).filter((d) => d.endpoint_id === id);
      await delivery.attempt(row.id);

      const listed = await client.get('/api/v1/events?type=customer.created&limit=100');
      expect(listed.status).toBe(200);
      expect(listed.body.data.map((e: { id: string }) => e.id)).toContain(eventId);
      expect(listed.body.data.every((e: { type: string }) => e.type === 'customer.created')).toBe(true);

      const detail = await client.get(`/api/v1/events/${eventId}`);
      expect(detail.status).toBe(200);
      const mine = detail.body.deliveries.find((d: { endpointId: string }) => d.endpointId === id);
      expect(mine).toMatchObject({ status: 'pending', attemptCount: 1, lastResponseStatus: 503 });
      const [attempt] = mine.attempts;
      expect(attempt).toMatchObject({ attempt: 1, responseStatus: 503, outcome: 'retry', errorClass: null, urlHost: new URL(receiver.base).host });
      expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);
      expect(attempt.responseExcerpt.startsWith('busy zzz')).toBe(true);
      expect(Buffer.byteLength(attempt.responseExcerpt)).toBeLessThanOrEqual(4096);
      expect(new Date(attempt.nextAttemptAt).getTime()).toBeGreaterThan(t.clock.now().getTime());

      // Nothing secret in the log: no signature, no secret, no headers.
      const [sent] = receiver.received.filter((r) => r.path === '/w13');
      const signatures = String(sent.headers['webhook-signature']).split(' ').map((e) => e.split(',')[1]);
      const stored = JSON.stringify(await ds.query(`SELECT * FROM webhook_attempt WHERE delivery_id = $1`, [row.id])) + JSON.stringify(await ds.query(`SELECT * FROM webhook_delivery WHERE id = $1`, [row.id]));
      for (const s of signatures) {
        expect(stored).not.toContain(s);
        expect(JSON.stringify(detail.body)).not.toContain(s);
      }
      expect(stored).not.toMatch(/whsec_|v1,|v1a,/);

      receiver.answer.set('/w13', (res) => res.writeHead(200).end('thanks'));
      const redelivered = await client.post(`/api/v1/events/${eventId}/redeliver`, { endpointId: id });
      expect(redelivered.status).toBe(202);
      expect(redelivered.body.data).toHaveLength(1);
      expect(redelivered.body.data[0]).toMatchObject({ trigger: 'redeliver', endpointId: id, eventId, status: 'pending' });
      await expect(delivery.attempt(redelivered.body.data[0].id)).resolves.toMatchObject({ outcome: 'delivered' });
      const both = receiver.received.filter((r) => r.path === '/w13');
      expect(both).toHaveLength(2);
      expect(both[1].headers['webhook-id']).toBe(eventId);
      const again = await client.get(`/api/v1/events/${eventId}`);
      expect(again.body.deliveries.filter((d: { endpointId: string }) => d.endpointId === id).map((d: { trigger: string; status: string }) => [d.trigger, d.status])).toEqual([
        ['event', 'pending'],
        ['redeliver', 'delivered'],
      ]);
      const perEndpoint = await client.get(`/api/v1/webhook-endpoints/${id}/deliveries`);
      expect(perEndpoint.body.data).toHaveLength(2);
      const audit = await ds.query(`SELECT action FROM audit_event WHERE target_id = $1`, [eventId]);
      expect(audit).toEqual([{ action: 'event.redeliver' }]);
    });

    it('deleting an endpoint stops its pending deliveries', async () => {
      const { id } = await endpoint('/deleted');
      receiver.answer.set('/deleted', (res) => res.writeHead(500).end());
      const { eventId } = await createCustomer('deleted@example.com');
      await dispatcher.drain();
      const [row] = (await deliveriesOf(eventId)).filter((d) => d.endpoint_id === id);
      await delivery.attempt(row.id);
      await client.delete(`/api/v1/webhook-endpoints/${id}`);
      const [after] = await ds.query(`SELECT status, last_error FROM webhook_delivery WHERE id = $1`, [row.id]);
      expect(after).toEqual({ status: 'failed', last_error: 'endpoint_deleted' });
    });
  });
});
