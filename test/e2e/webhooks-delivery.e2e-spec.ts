import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { MailerService } from '../../src/mail/mailer.service';
import { ATTEMPT_OFFSETS_MS, MAX_ATTEMPTS } from '../../src/webhooks/retry-schedule';
import { WebhookDeliveryService } from '../../src/webhooks/webhook-delivery.service';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.service';
import { WorkerModule } from '../../src/worker.module';
import { api, createMerchant, createTestApp, type TestApp, type TestMerchant } from '../app';
import { testEnv } from '../support/env';
import { ensureWorkerDatabase } from '../support/test-db';
import { startSmtp, type LocalSmtp } from '../support/smtp';


async function until<T>(probe: () => T | Promise<T>, done: (v: T) => boolean, timeoutMs = 8_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() - start > timeoutMs) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Low enough to keep the timeout case quick, high enough for a loaded CI machine.
const TIMEOUT_MS = 2_000;
const SUPPORT = 'ops@merchant.test';

describe('webhook delivery outcomes, retries, disabling and notices', () => {
  let t: TestApp;
  let smtp: LocalSmtp;
  let receiver: Server;
  let base: string;
  // Answers any connection with plain-text bytes: a TLS client fails its handshake.
  let notTls: TcpServer;
  let notTlsPort: number;
  const hits = new Map<string, number>();
  const env = (smtpPort: number) => ({ WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS), SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, SMTP_FROM: 'Billfold <billing@billfold.test>' });

  // Answers by path: /status/<code>, /slow, /flaky-<n> (fails n times, then 200).
  function answer(path: string, res: ServerResponse): void {
    const status = /^\/status\/(\d{3})/.exec(path);
    if (status) {
      const code = Number(status[1]);
      const headers: Record<string, string> = code === 429 ? { 'retry-after': '120' } : code === 301 || code === 302 ? { location: 'http://10.0.0.1/internal' } : {};
      res.writeHead(code, headers).end(code >= 400 ? `error ${code}` : undefined);
      return;
    }
    if (path === '/slow') return void setTimeout(() => res.writeHead(200).end(), TIMEOUT_MS + 1_500).unref();
    res.writeHead(200).end('ok');
  }

  beforeAll(async () => {
    smtp = await startSmtp();
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
        answer(req.url!, res);
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    notTls = createTcpServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
      setTimeout(() => socket.destroy(), 2_000).unref();
    });
    await new Promise<void>((r) => notTls.listen(0, '127.0.0.1', r));
    notTlsPort = (notTls.address() as AddressInfo).port;
    t = await createTestApp({ env: env(smtp.port) });
  });

  afterAll(async () => {
    await t?.close();
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
    await new Promise((r) => notTls?.close(r));
    await new Promise<void>((r) => smtp?.server.close(() => r()));
  });

  beforeEach(() => {
    t.clock.set(new Date());
  });

  async function merchantWithSupportEmail(): Promise<{ m: TestMerchant; client: ReturnType<typeof api> }> {
    const m = await createMerchant(t);
    const client = api(t, m.key);
    expect((await client.patch('/api/v1/merchant', { branding: { supportEmail: SUPPORT } })).status).toBe(200);
    return { m, client };
  }

  async function fanOut(client: ReturnType<typeof api>, email: string): Promise<Map<string, string>> {
    const res = await client.post('/api/v1/customers', { email });
    expect(res.status).toBe(201);
    await t.app.get(WebhookDispatcher).drain();
    const rows: { id: string; endpoint_id: string }[] = await t.app.get(DataSource).query(
      `SELECT d.id, d.endpoint_id FROM webhook_delivery d JOIN outbox_event e ON e.id = d.event_id WHERE e.type = 'customer.created' AND e.data->'object'->>'id' = $1`,
      [res.body.id],
    );
    return new Map(rows.map((r) => [r.endpoint_id, r.id]));
  }

  it('W8: each kind of response has its outcome', async () => {
    const { client } = await merchantWithSupportEmail();
    const cases: [string, string, { outcome: string; status: number | null; errorClass: string | null }][] = [
      ['200', `${base}/status/200`, { outcome: 'delivered', status: 200, errorClass: null }],
      ['204', `${base}/status/204`, { outcome: 'delivered', status: 204, errorClass: null }],
      ['301 to a private address', `${base}/status/301`, { outcome: 'retry', status: 301, errorClass: null }],
      ['302', `${base}/status/302`, { outcome: 'retry', status: 302, errorClass: null }],
      ['400', `${base}/status/400`, { outcome: 'retry', status: 400, errorClass: null }],
      ['404', `${base}/status/404`, { outcome: 'retry', status: 404, errorClass: null }],
      ['410', `${base}/status/410`, { outcome: 'endpoint_disabled', status: 410, errorClass: null }],
      ['429 + Retry-After: 120', `${base}/status/429`, { outcome: 'retry', status: 429, errorClass: null }],
      ['500', `${base}/status/500`, { outcome: 'retry', status: 500, errorClass: null }],
      ['503', `${base}/status/503`, { outcome: 'retry', status: 503, errorClass: null }],
      ['timeout', `${base}/slow`, { outcome: 'retry', status: null, errorClass: 'timeout' }],
      // Port 1: nothing listens there (and nothing in the suite binds a privileged port).
      ['connection refused', 'http://127.0.0.1:1/hook', { outcome: 'retry', status: null, errorClass: 'connection_refused' }],
      ['TLS handshake failure', `https://127.0.0.1:${notTlsPort}/hook`, { outcome: 'retry', status: null, errorClass: 'tls_error' }],
    ];
    const ids = new Map<string, string>();
    for (const [name, url] of cases) {
      const res = await client.post('/api/v1/webhook-endpoints', { url, description: name });
      expect(res.status).toBe(201);
      ids.set(name, res.body.id);
    }
    const deliveries = await fanOut(client, 'w8@example.com');
    const service = t.app.get(WebhookDeliveryService);
    const started = t.clock.now().getTime();
    const reports = await Promise.all(cases.map(([name]) => service.attempt(deliveries.get(ids.get(name)!)!)));
    cases.forEach(([name, , expected], i) => {
      expect({ name, outcome: reports[i]!.outcome, status: reports[i]!.responseStatus, errorClass: reports[i]!.errorClass }).toEqual({ name, ...expected, status: expected.status });
    });
    const byName = (name: string) => reports[cases.findIndex(([n]) => n === name)]!;
    // Retry-After: 120 beats the schedule's 5 s; a plain 500 follows the schedule (5 s ± 20 %).
    expect(byName('429 + Retry-After: 120').nextAttemptAt!.getTime() - started).toBeGreaterThanOrEqual(120_000);
    const plain = byName('500').nextAttemptAt!.getTime() - started;
    expect(plain).toBeGreaterThanOrEqual(4_000);
    expect(plain).toBeLessThanOrEqual(6_100);
    expect(byName('200').nextAttemptAt).toBeNull();
    // Not followed: the redirect target was never requested (and is not even reachable).
    expect(hits.get('/status/301')).toBe(1);

    const gone = await client.get(`/api/v1/webhook-endpoints/${ids.get('410')}`);
    expect(gone.body).toMatchObject({ status: 'disabled', disabledReason: 'gone' });
    const mail = await until(
      () => smtp.mails.filter((x) => x.raw.includes(ids.get('410')!)),
      (found) => found.length > 0,
    );
    expect(mail).toHaveLength(1);
    expect(mail[0].to).toEqual([SUPPORT]);
    expect(mail[0].raw).toMatch(/Subject: Webhook endpoint disabled: 127\.0\.0\.1/);
    expect(mail[0].raw).toContain('410 Gone');
    const audit = await t.app.get(DataSource).query(`SELECT actor_type, action FROM audit_event WHERE target_id = $1 ORDER BY created_at`, [ids.get('410')]);
    expect(audit.at(-1)).toEqual({ actor_type: 'system', action: 'webhook_endpoint.disable' });
    // A disabled endpoint gets no more deliveries.
    const next = await fanOut(client, 'w8-after@example.com');
    expect(next.has(ids.get('410')!)).toBe(false);
    expect(next.has(ids.get('200')!)).toBe(true);
  });

  it('W9: a failing endpoint is tried 10 times over about a day within jitter, then the delivery fails and the merchant hears once', async () => {
    const { client } = await merchantWithSupportEmail();
    const created = await client.post('/api/v1/webhook-endpoints', { url: `${base}/status/500?w9` });
    const endpointId = created.body.id as string;
    const deliveryId = (await fanOut(client, 'w9@example.com')).get(endpointId)!;
    const service = t.app.get(WebhookDeliveryService);
    const first = t.clock.now().getTime();
    const times: number[] = [];
    for (;;) {
      const report = await service.attempt(deliveryId);
      expect(report).not.toBeNull();
      times.push(t.clock.now().getTime() - first);
      if (!report!.nextAttemptAt) {
        expect(report!.outcome).toBe('failed');
        break;
      }
      expect(report!.outcome).toBe('retry');
      // Early: nothing happens.
      t.clock.set(new Date(report!.nextAttemptAt.getTime() - 1));
      await expect(service.attempt(deliveryId)).resolves.toBeNull();
      t.clock.set(report!.nextAttemptAt);
    }
    expect(times).toHaveLength(MAX_ATTEMPTS);
    times.forEach((at, i) => {
      expect(at).toBeGreaterThanOrEqual(ATTEMPT_OFFSETS_MS[i] * 0.8);
      expect(at).toBeLessThanOrEqual(ATTEMPT_OFFSETS_MS[i] * 1.2 + 50);
    });
    const total = times.at(-1)!;
    expect(total).toBeGreaterThan(19 * 3600_000);
    await expect(service.attempt(deliveryId)).resolves.toBeNull();
    const detail = await client.get(`/api/v1/webhook-endpoints/${endpointId}/deliveries?status=failed`);
    expect(detail.body.data).toEqual([expect.objectContaining({ id: deliveryId, status: 'failed', attemptCount: 10, lastResponseStatus: 500, lastError: 'http_500', nextAttemptAt: null })]);
    const endpoint = await client.get(`/api/v1/webhook-endpoints/${endpointId}`);
    // A day of failures is not five: still enabled.
    expect(endpoint.body.status).toBe('enabled');
    expect(new Date(endpoint.body.failingSince).getTime()).toBe(first);
    const notices = await until(
      () => smtp.mails.filter((x) => x.raw.includes(endpointId)),
      (found) => found.length > 0,
    );
    expect(notices).toHaveLength(1);
    expect(notices[0].raw).toMatch(/Subject: Webhook deliveries are failing/);

    // Five days into the run of failures, the next failure disables the endpoint, with an email.
    t.clock.set(new Date(first + 5 * 24 * 3600_000));
    const later = (await fanOut(client, 'w9-later@example.com')).get(endpointId)!;
    await expect(service.attempt(later)).resolves.toMatchObject({ outcome: 'retry' });
    expect((await client.get(`/api/v1/webhook-endpoints/${endpointId}`)).body).toMatchObject({ status: 'disabled', disabledReason: 'failing' });
    const disabledMail = await until(
      () => smtp.mails.filter((x) => x.raw.includes(endpointId) && x.raw.includes('Subject: Webhook endpoint disabled')),
      (found) => found.length > 0,
    );
    expect(disabledMail).toHaveLength(1);
    expect(disabledMail[0].raw).toContain('5 days');
    // Its pending retry is closed at its next slot rather than sent.
    t.clock.advance(3600_000);
    await expect(service.attempt(later)).resolves.toBeNull();
    const [row] = await t.app.get(DataSource).query(`SELECT status, last_error FROM webhook_delivery WHERE id = $1`, [later]);
    expect(row).toEqual({ status: 'failed', last_error: 'endpoint_disabled' });

    // Re-enabling clears the run; a success keeps it clear.
    const enabled = await client.patch(`/api/v1/webhook-endpoints/${endpointId}`, { enabled: true, url: `${base}/status/200?w9` });
    expect(enabled.body).toMatchObject({ status: 'enabled', failingSince: null });
  });

  it('the mailer is a logged no-op without SMTP_URL', async () => {
    const other = await createTestApp({ env: { SMTP_URL: '' } });
    try {
      const mailer = other.app.get(MailerService);
      expect(mailer.enabled).toBe(false);
      await expect(mailer.send({ to: 'x@example.com', subject: 'hi', text: 'body' })).resolves.toEqual({ sent: false });
    } finally {
      await other.close();
    }
  });

  it('sends mail through SMTP_URL', async () => {
    const result = await t.app.get(MailerService).send({ to: 'someone@example.com', subject: 'Hello from the mailer', text: 'plain', html: '<p>html</p>' });
    expect(result.sent).toBe(true);
    const mail = await until(
      () => smtp.mails.filter((x) => x.raw.includes('Hello from the mailer')),
      (found) => found.length > 0,
    );
    expect(mail[0].to).toEqual(['someone@example.com']);
    expect(mail[0].raw).toContain('From: Billfold <billing@billfold.test>');
  });

  it('through the real worker: the tick dispatches the outbox and the processor delivers', async () => {
    const { client, m } = await merchantWithSupportEmail();
    const created = await client.post('/api/v1/webhook-endpoints', { url: `${base}/status/200?worker-${m.merchant.id}` });
    expect(created.status).toBe(201);
    const worker: INestApplicationContext = await NestFactory.createApplicationContext(WorkerModule.forRoot({ env: testEnv(await ensureWorkerDatabase(), env(smtp.port)) }), { logger: false });
    try {
      await worker.init();
      const res = await client.post('/api/v1/customers', { email: 'worker@example.com' });
      expect(res.status).toBe(201);
      const path = `/status/200?worker-${m.merchant.id}`;
      await until(
        () => hits.get(path) ?? 0,
        (n) => n > 0,
        10_000,
      );
      expect(hits.get(path)).toBe(1);
      const [delivery] = await t.app.get(DataSource).query(`SELECT status, attempt_count FROM webhook_delivery WHERE endpoint_id = $1`, [created.body.id]);
      expect(delivery).toEqual({ status: 'delivered', attempt_count: 1 });
    } finally {
      await worker.close();
    }
  });
});
