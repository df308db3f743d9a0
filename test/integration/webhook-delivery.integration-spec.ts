import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { listView } from '../../src/common/list.dto';
import { MailerService } from '../../src/mail/mailer.service';
import { ATTEMPT_OFFSETS_MS, MAX_ATTEMPTS } from '../../src/webhooks/retry-schedule';
import { createEndpointSchema, listDeliveriesSchema, updateEndpointSchema } from '../../src/webhooks/webhook.dto';
import { deliveryView } from '../../src/webhooks/webhook.presenter';
import { WebhookDeliveryService } from '../../src/webhooks/webhook-delivery.service';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.service';
import { WebhookEndpointService } from '../../src/webhooks/webhook-endpoint.service';
import { WebhookEventService } from '../../src/webhooks/webhook-event.service';
import { WorkerModule } from '../../src/worker.module';
import { asJson, createCustomer, createMerchant, principalOf, type MerchantFixture } from '../factories';
import { testEnv } from '../support/env';
import { startSmtp, type LocalSmtp } from '../support/smtp';
import { ensureWorkerDatabase } from '../support/test-db';
import { createTestModule, type TestModule } from '../support/testing-module';
import { waitFor } from '../support/wait';

// The shortest timeout the configuration allows, for the one case that must time out: its
// receiver never answers, so the outcome cannot depend on how busy the machine is. Every other
// case runs with the default timeout, which a loopback answer never comes near.
const SHORT_TIMEOUT_MS = 100;
const SUPPORT = 'ops@merchant.test';

describe('webhook delivery outcomes, retries, disabling and notices', () => {
  let t: TestModule;
  // The same database and mailer, with the short timeout.
  let impatient: TestModule;
  let smtp: LocalSmtp;
  let receiver: Server;
  let base: string;
  // Answers any connection with plain-text bytes: a TLS client fails its handshake.
  let notTls: TcpServer;
  let notTlsPort: number;
  const notTlsSockets = new Set<Socket>();
  const hits = new Map<string, number>();
  const received: { path: string; webhookId: string }[] = [];
  const env = (smtpPort: number) => ({ WEBHOOK_ALLOW_LOOPBACK: 'true', SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, SMTP_FROM: 'Billfold <billing@billfold.test>' });

  // While the timeout case runs, /hang holds its requests; after it, it answers at once, so the
  // retries a worker picks up later do not keep that worker busy (closing it waits for them).
  let hanging = false;
  const held: ServerResponse[] = [];

  // Answers by path: /status/<code>, and /hang (see above).
  function answer(path: string, res: ServerResponse): void {
    const status = /^\/status\/(\d{3})/.exec(path);
    if (status) {
      const code = Number(status[1]);
      const headers: Record<string, string> = code === 429 ? { 'retry-after': '120' } : code === 301 || code === 302 ? { location: 'http://10.0.0.1/internal' } : {};
      res.writeHead(code, headers).end(code >= 400 ? `error ${code}` : undefined);
      return;
    }
    if (path === '/hang' && hanging) return void held.push(res);
    res.writeHead(200).end('ok');
  }

  beforeAll(async () => {
    smtp = await startSmtp();
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
        received.push({ path: req.url!, webhookId: String(req.headers['webhook-id']) });
        answer(req.url!, res);
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    notTls = createTcpServer((socket) => {
      socket.on('error', () => undefined);
      notTlsSockets.add(socket.on('close', () => notTlsSockets.delete(socket)));
      socket.write('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
    });
    await new Promise<void>((r) => notTls.listen(0, '127.0.0.1', r));
    notTlsPort = (notTls.address() as AddressInfo).port;
    t = await createTestModule({ env: env(smtp.port) });
    impatient = await createTestModule({ env: { ...env(smtp.port), WEBHOOK_TIMEOUT_MS: String(SHORT_TIMEOUT_MS) }, clock: t.clock });
  });

  afterAll(async () => {
    await impatient?.close();
    await t?.close();
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
    for (const socket of notTlsSockets) socket.destroy();
    await new Promise((r) => notTls?.close(r));
    await smtp?.close();
  });

  beforeEach(() => {
    t.clock.set(new Date());
  });

  afterEach(() => {
    hanging = false;
    for (const res of held.splice(0)) res.writeHead(200).end();
  });

  function merchantWithSupportEmail(): Promise<MerchantFixture> {
    return createMerchant(t, { changes: { branding: { supportEmail: SUPPORT } } });
  }

  // POST /api/v1/webhook-endpoints, through its service.
  async function createEndpoint(m: MerchantFixture, body: { url: string; description?: string }): Promise<string> {
    return (await t.get(WebhookEndpointService).create(principalOf(m), principalOf(m).actor, createEndpointSchema.parse(body))).id;
  }

  // GET /api/v1/webhook-endpoints/:id, as the API would answer.
  async function endpointOf(m: MerchantFixture, id: string): Promise<Record<string, unknown>> {
    return asJson(await t.get(WebhookEndpointService).get(principalOf(m), id));
  }

  // A customer.created event of this merchant, not yet dispatched.
  async function customerCreated(m: MerchantFixture, email: string): Promise<string> {
    const customer = await createCustomer(t, m, { email });
    const [event]: { id: string }[] = await t.get(DataSource).query(`SELECT id FROM outbox_event WHERE type = 'customer.created' AND data->'object'->>'id' = $1`, [customer.id]);
    return event.id;
  }

  async function deliveriesOf(eventId: string): Promise<Map<string, string>> {
    const rows: { id: string; endpoint_id: string }[] = await t.get(DataSource).query(`SELECT id, endpoint_id FROM webhook_delivery WHERE event_id = $1`, [eventId]);
    return new Map(rows.map((r) => [r.endpoint_id, r.id]));
  }

  // Endpoint id → delivery id of a new customer.created event, once dispatched.
  async function fanOut(m: MerchantFixture, email: string): Promise<Map<string, string>> {
    const eventId = await customerCreated(m, email);
    await t.get(WebhookDispatcher).drain();
    return deliveriesOf(eventId);
  }

  const mailsFor = (what: string, needle: (raw: string) => boolean) =>
    waitFor(
      () => smtp.mails.filter((x) => needle(x.raw)),
      (found) => found.length > 0,
      { what },
    );

  it('W8: each kind of response has its outcome', async () => {
    const m = await merchantWithSupportEmail();
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
      ['timeout', `${base}/hang`, { outcome: 'retry', status: null, errorClass: 'timeout' }],
      // Port 1: nothing listens there (and nothing in the suite binds a privileged port).
      ['connection refused', 'http://127.0.0.1:1/hook', { outcome: 'retry', status: null, errorClass: 'connection_refused' }],
      ['TLS handshake failure', `https://127.0.0.1:${notTlsPort}/hook`, { outcome: 'retry', status: null, errorClass: 'tls_error' }],
    ];
    const ids = new Map<string, string>();
    for (const [name, url] of cases) ids.set(name, await createEndpoint(m, { url, description: name }));
    hanging = true;
    const deliveries = await fanOut(m, 'w8@example.com');
    const service = (name: string) => (name === 'timeout' ? impatient : t).get(WebhookDeliveryService);
    const started = t.clock.now().getTime();
    const reports = await Promise.all(cases.map(([name]) => service(name).attempt(deliveries.get(ids.get(name)!)!)));
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

    const gone = await endpointOf(m, ids.get('410')!);
    expect(gone).toMatchObject({ status: 'disabled', disabledReason: 'gone' });
    const mail = await mailsFor('the endpoint-disabled mail', (raw) => raw.includes(ids.get('410')!));
    expect(mail).toHaveLength(1);
    expect(mail[0].to).toEqual([SUPPORT]);
    expect(mail[0].raw).toMatch(/Subject: Webhook endpoint disabled: 127\.0\.0\.1/);
    expect(mail[0].raw).toContain('410 Gone');
    const audit = await t.get(DataSource).query(`SELECT actor_type, action FROM audit_event WHERE target_id = $1 ORDER BY created_at`, [ids.get('410')]);
    expect(audit.at(-1)).toEqual({ actor_type: 'system', action: 'webhook_endpoint.disable' });
    // A disabled endpoint gets no more deliveries.
    const next = await fanOut(m, 'w8-after@example.com');
    expect(next.has(ids.get('410')!)).toBe(false);
    expect(next.has(ids.get('200')!)).toBe(true);
  });

  it('W9: a failing endpoint is tried 10 times over about a day within jitter, then the delivery fails and the merchant hears once', async () => {
    const m = await merchantWithSupportEmail();
    const endpointId = await createEndpoint(m, { url: `${base}/status/500?w9` });
    const deliveryId = (await fanOut(m, 'w9@example.com')).get(endpointId)!;
    const service = t.get(WebhookDeliveryService);
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
    // GET /api/v1/webhook-endpoints/:id/deliveries?status=failed
    const failed = await t.get(WebhookEventService).listDeliveries(principalOf(m), { ...listDeliveriesSchema.parse({ status: 'failed' }), endpointId });
    const detail = asJson<{ data: unknown[] }>(listView(failed, (d) => deliveryView(d)));
    expect(detail.data).toEqual([expect.objectContaining({ id: deliveryId, status: 'failed', attemptCount: 10, lastResponseStatus: 500, lastError: 'http_500', nextAttemptAt: null })]);
    const endpoint = await endpointOf(m, endpointId);
    // A day of failures is not five: still enabled.
    expect(endpoint.status).toBe('enabled');
    expect(new Date(endpoint.failingSince as string).getTime()).toBe(first);
    const notices = await mailsFor('the failing-deliveries notice', (raw) => raw.includes(endpointId));
    expect(notices).toHaveLength(1);
    expect(notices[0].raw).toMatch(/Subject: Webhook deliveries are failing/);

    // Five days into the run of failures, the next failure disables the endpoint, with an email.
    t.clock.set(new Date(first + 5 * 24 * 3600_000));
    const later = (await fanOut(m, 'w9-later@example.com')).get(endpointId)!;
    await expect(service.attempt(later)).resolves.toMatchObject({ outcome: 'retry' });
    expect(await endpointOf(m, endpointId)).toMatchObject({ status: 'disabled', disabledReason: 'failing' });
    const disabledMail = await mailsFor('the endpoint-disabled mail', (raw) => raw.includes(endpointId) && raw.includes('Subject: Webhook endpoint disabled'));
    expect(disabledMail).toHaveLength(1);
    expect(disabledMail[0].raw).toContain('5 days');
    // Its pending retry is closed at its next slot rather than sent.
    t.clock.advance(3600_000);
    await expect(service.attempt(later)).resolves.toBeNull();
    const [row] = await t.get(DataSource).query(`SELECT status, last_error FROM webhook_delivery WHERE id = $1`, [later]);
    expect(row).toEqual({ status: 'failed', last_error: 'endpoint_disabled' });

    // Re-enabling clears the run; a success keeps it clear.
    const enabled = await t.get(WebhookEndpointService).update(principalOf(m), principalOf(m).actor, endpointId, updateEndpointSchema.parse({ enabled: true, url: `${base}/status/200?w9` }));
    expect(asJson(enabled)).toMatchObject({ status: 'enabled', failingSince: null });
  });

  it('W12: two dispatchers racing for one outbox row create exactly one delivery; two workers racing for one slot send once', async () => {
    const m = await merchantWithSupportEmail();
    const id = await createEndpoint(m, { url: `${base}/w12` });
    const eventId = await customerCreated(m, 'w12@example.com');
    const dispatcher = t.get(WebhookDispatcher);
    const delivery = t.get(WebhookDeliveryService);
    await Promise.all([dispatcher.dispatchOnce(), dispatcher.dispatchOnce(), dispatcher.dispatchOnce()]);
    await dispatcher.drain();
    const rows: { id: string }[] = await t.get(DataSource).query(`SELECT id FROM webhook_delivery WHERE event_id = $1 AND endpoint_id = $2`, [eventId, id]);
    expect(rows).toHaveLength(1);
    const reports = await Promise.all([delivery.attempt(rows[0].id, 1), delivery.attempt(rows[0].id, 1), delivery.attempt(rows[0].id)]);
    expect(reports.filter(Boolean)).toHaveLength(1);
    expect(received.filter((r) => r.path === '/w12')).toHaveLength(1);
    const attempts = await t.get(DataSource).query(`SELECT attempt FROM webhook_attempt WHERE delivery_id = $1`, [rows[0].id]);
    expect(attempts).toEqual([{ attempt: 1 }]);
  });

  it('W11: a worker that dies after claiming a slot loses it when its lease runs out; the slot is sent once more, same webhook-id', async () => {
    const m = await merchantWithSupportEmail();
    const id = await createEndpoint(m, { url: `${base}/w11` });
    const eventId = await customerCreated(m, 'w11@example.com');
    const delivery = t.get(WebhookDeliveryService);
    await t.get(WebhookDispatcher).drain();
    const rowId = (await deliveriesOf(eventId)).get(id)!;
    // The claim a dying worker leaves behind: leased, never attempted.
    await t.get(DataSource).query(`UPDATE webhook_delivery SET lease_until = $2 WHERE id = $1`, [rowId, new Date(t.clock.now().getTime() + 75_000)]);
    await expect(delivery.attempt(rowId)).resolves.toBeNull();
    const dueNow = await t.get(DataSource).query(`SELECT id FROM webhook_delivery WHERE id = $1 AND lease_until IS NULL`, [rowId]);
    expect(dueNow).toEqual([]);
    t.clock.advance(76_000);
    expect(await delivery.sweepDue()).toBeGreaterThanOrEqual(1);
    await expect(delivery.attempt(rowId, 1)).resolves.toMatchObject({ attempt: 1, outcome: 'delivered' });
    const got = received.filter((r) => r.path === '/w11');
    expect(got.map((r) => r.webhookId)).toEqual([eventId]);
  });

  it('the mailer is a logged no-op without SMTP_URL', async () => {
    const other = await createTestModule({ env: { SMTP_URL: '' } });
    try {
      const mailer = other.get(MailerService);
      expect(mailer.enabled).toBe(false);
      await expect(mailer.send({ to: 'x@example.com', subject: 'hi', text: 'body' })).resolves.toEqual({ sent: false });
    } finally {
      await other.close();
    }
  });

  it('sends mail through SMTP_URL', async () => {
    const result = await t.get(MailerService).send({ to: 'someone@example.com', subject: 'Hello from the mailer', text: 'plain', html: '<p>html</p>' });
    expect(result.sent).toBe(true);
    const mail = await mailsFor('the mail', (raw) => raw.includes('Hello from the mailer'));
    expect(mail[0].to).toEqual(['someone@example.com']);
    expect(mail[0].raw).toContain('From: Billfold <billing@billfold.test>');
  });

  it('through the real worker: the tick dispatches the outbox and the processor delivers', async () => {
    const m = await merchantWithSupportEmail();
    const endpointId = await createEndpoint(m, { url: `${base}/status/200?worker-${m.id}` });
    const worker: INestApplicationContext = await NestFactory.createApplicationContext(WorkerModule.forRoot({ env: testEnv(await ensureWorkerDatabase(), env(smtp.port)) }), { logger: false });
    try {
      await worker.init();
      await createCustomer(t, m, { email: 'worker@example.com' });
      const path = `/status/200?worker-${m.id}`;
      // The worker records the attempt after the receiver has answered: wait for the row, not the request.
      const [delivery] = await waitFor(
        (): Promise<{ status: string; attempt_count: number }[]> => t.get(DataSource).query(`SELECT status, attempt_count FROM webhook_delivery WHERE endpoint_id = $1`, [endpointId]),
        (rows) => rows.length > 0 && rows[0].status !== 'pending',
        { what: 'the worker to record the delivery' },
      );
      expect(hits.get(path)).toBe(1);
      expect(delivery).toEqual({ status: 'delivered', attempt_count: 1 });
    } finally {
      await worker.close();
    }
  });
});
