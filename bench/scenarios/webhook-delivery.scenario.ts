import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import nacl from 'tweetnacl';
import { createApp } from '../../src/app';
import type { Actor, Tenant } from '../../src/common/tenant';
import { Db } from '../../src/database/db.service';
import { MerchantService } from '../../src/merchants/merchant.service';
import { WebhookDeliveryService } from '../../src/webhooks/webhook-delivery.service';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.service';
import { WebhookEndpointService } from '../../src/webhooks/webhook-endpoint.service';
import { WebhookSigningKeyService } from '../../src/webhooks/webhook-signing-key.service';
import { PUBLIC_KEY_PREFIX, secretBytes } from '../../src/webhooks/webhook-signer';
import { HANDLED_SIGNALS, type BenchApi } from '../harness/api-fixture';
import { row, type Scenario } from '../harness/scenario';
import { BASELINE_HEADER, WebhookReceiver, type ReceivedSample } from '../harness/webhook-receiver';

// DESIGN §8: webhook sign + deliver per second ≥ 50% of a bare HTTP POST loop to the same local receiver.
const SHARE_GOAL = 0.5;
const CONCURRENCY = 20;
const ROUNDS = 4;
const PER_ROUND = 500;
const WARMUP = 200;
// The bare loop is ~10x faster: longer rounds keep its figure from being a fraction of a second of noise.
const BARE_PER_ROUND = 1_500;
const BARE_WARMUP = 1_000;
const EVENTS = WARMUP + ROUNDS * PER_ROUND;
// Customer creations in flight while the outbox is filled (setup only, not timed).
const SEED_CONCURRENCY = 8;

const BENCH_ACTOR: Actor = { type: 'system', id: 'bench', initiator: 'system' };

type Side = 'ours' | 'bareFresh' | 'bareKeepAlive';

// One delivery attempt at a time per slot, CONCURRENCY slots: what the worker does with its attempt jobs, minus
// BullMQ. "Ours" is WebhookDeliveryService.attempt, the worker's whole per-attempt path: claim the slot, load the
// endpoint and the event, serialise the body once, sign it (v1 HMAC + v1a Ed25519), vet the URL and connect to the
// vetted address without a pooled socket, POST, then record the attempt row and the delivery's outcome in one
// transaction. The baseline is a bare node:http POST of the same bytes (same headers, plus a marker) to the same
// receiver at the same concurrency, twice: one new connection per request, as the egress guard must do (a pooled
// socket could outlive the address it was vetted for), and keep-alive, the cheapest HTTP client there is.
export const scenario: Scenario = {
  name: 'webhook-delivery',
  description: `webhook sign + deliver (${ROUNDS * PER_ROUND} deliveries, ${CONCURRENCY} in flight) vs a bare node:http POST loop to the same local receiver`,
  async run(ctx) {
    const api = await ctx.api();
    const receiver = await WebhookReceiver.start();
    let app: NestFastifyApplication | null = null;
    try {
      app = await loopbackApp(api);
      const setup = await seed(api, app, receiver, ctx.log);
      const { tenant, endpointId } = setup;
      const delivery = app.get(WebhookDeliveryService);
      const failures: string[] = [];

      const attemptAll = async (ids: string[]): Promise<number> =>
        timed(ids.length, async (i) => {
          const report = await delivery.attempt(ids[i], 1);
          if (report?.outcome !== 'delivered') failures.push(`${ids[i]}: ${report ? `${report.outcome} ${report.responseStatus ?? report.errorClass}` : 'not claimed'}`);
        });

      // Warm-up: JIT, the signing-key cache, pool connections. Its deliveries are real ones and are checked too.
      await attemptAll(setup.deliveryIds.slice(0, WARMUP));
      if (failures.length) throw new Error(`warm-up deliveries failed: ${failures.slice(0, 5).join('; ')}`);
      const sample = receiver.samples[0];
      if (!sample) throw new Error('the receiver kept no delivery');
      const bare = bareClient(receiver.url, sample);
      await bare.post('bareFresh', BARE_WARMUP);
      await bare.post('bareKeepAlive', BARE_WARMUP);
      if (bare.errors.length) throw new Error(`bare POST loop failed: ${bare.errors.slice(0, 5).join('; ')}`);

      const perRound: Record<Side, number[]> = { ours: [], bareFresh: [], bareKeepAlive: [] };
      const seconds: Record<Side, number> = { ours: 0, bareFresh: 0, bareKeepAlive: 0 };
      for (let r = 0; r < ROUNDS; r += 1) {
        // ABBA-style order, so drift falls on every side alike.
        const order: Side[] = r % 2 === 0 ? ['bareFresh', 'ours', 'bareKeepAlive'] : ['bareKeepAlive', 'ours', 'bareFresh'];
        for (const side of order) {
          const ids = setup.deliveryIds.slice(WARMUP + r * PER_ROUND, WARMUP + (r + 1) * PER_ROUND);
          const count = side === 'ours' ? PER_ROUND : BARE_PER_ROUND;
          const s = side === 'ours' ? await attemptAll(ids) : await bare.post(side, count);
          seconds[side] += s;
          perRound[side].push(count / s);
        }
        ctx.log(
          `  round ${r + 1}: deliver ${Math.round(perRound.ours[r])}/s, bare POST new connection ${Math.round(perRound.bareFresh[r])}/s, keep-alive ${Math.round(perRound.bareKeepAlive[r])}/s`,
        );
      }
      bare.close();

      // A figure measured on wrong results is worthless: every delivery delivered once, signed over the exact body.
      await verify({ app, receiver, setup, failures, bareErrors: bare.errors, barePosts: bare.posts });
      ctx.log(`  checked: ${EVENTS} deliveries delivered, ${EVENTS} attempt rows, receiver counted ${receiver.deliveries} distinct deliveries; ${receiver.samples.length} signatures verified`);

      const throughput = (side: Side) => (ROUNDS * (side === 'ours' ? PER_ROUND : BARE_PER_ROUND)) / seconds[side];
      await app.get(WebhookEndpointService).delete(tenant, BENCH_ACTOR, endpointId);
      return {
        rows: [
          row({
            figure: 'webhook sign + deliver (v1 + v1a, SSRF-vetted, attempt logged)',
            value: throughput('ours'),
            unit: 'deliveries/s',
            baseline: 'bare node:http POST, new connection each',
            baselineValue: throughput('bareFresh'),
            goal: `>= ${SHARE_GOAL * 100}% of bare POST`,
            meets: (x) => x.ratio >= SHARE_GOAL,
          }),
          row({
            figure: 'webhook sign + deliver (the figure above)',
            value: throughput('ours'),
            unit: 'deliveries/s',
            baseline: 'bare node:http POST, keep-alive',
            baselineValue: throughput('bareKeepAlive'),
          }),
        ],
        details: {
          concurrency: CONCURRENCY,
          rounds: ROUNDS,
          perRound: PER_ROUND,
          barePerRound: BARE_PER_ROUND,
          warmup: WARMUP,
          bodyBytes: sample.body.length,
          databasePoolSize: CONCURRENCY,
          perRoundThroughput: perRound,
          seedSeconds: setup.seedSeconds,
        },
      };
    } finally {
      await app?.close();
      await receiver.close();
    }
  },
};

interface Setup {
  tenant: Tenant;
  endpointId: string;
  secret: string;
  publicKey: string;
  deliveryIds: string[];
  seedSeconds: { customers: number; dispatch: number };
}

// The fixture's API refuses plain-http loopback endpoints (as production must); a second app on the same database
// and Redis prefix, with WEBHOOK_ALLOW_LOOPBACK, registers and sends to the receiver. Never listens: only its
// services are used. The fixture drops what it writes. Its pool has a connection per attempt in flight, as the
// worker's has (10 for 8 attempts): with fewer, the figure would measure waiting for the pool, not delivering.
async function loopbackApp(api: BenchApi): Promise<NestFastifyApplication> {
  const before = new Map(HANDLED_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const app = await createApp({ env: { ...api.env, WEBHOOK_ALLOW_LOOPBACK: true, DATABASE_POOL_SIZE: CONCURRENCY } });
  // As in the fixture: the bench owns its signals, Nest's shutdown hooks would kill it before the clean-up.
  for (const signal of HANDLED_SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.includes(listener)) process.removeListener(signal, listener);
  }
  try {
    await app.init();
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}

// A merchant, its endpoint at the receiver, EVENTS customer.created events written by POST /api/v1/customers (the
// real change path, so the bodies are real ones), and the dispatcher's fan-out into one delivery each.
async function seed(api: BenchApi, app: NestFastifyApplication, receiver: WebhookReceiver, log: (m: string) => void): Promise<Setup> {
  const { merchant, apiKey } = await api.app.get(MerchantService).create({ name: 'Bench Webhook Merchant', livemode: false });
  const tenant: Tenant = { merchantId: merchant.id, livemode: false };
  const endpoint = await app.get(WebhookEndpointService).create(tenant, BENCH_ACTOR, { url: receiver.url, description: 'bench receiver' });
  const publicKey = await app.get(WebhookSigningKeyService).publicKey(tenant, BENCH_ACTOR);

  let t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      for (let i = next++; i < EVENTS; i = next++) {
        const res = await fetch(`${api.baseUrl}/api/v1/customers`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey.secret}`, 'content-type': 'application/json', 'idempotency-key': `bench-webhook-${i}` },
          body: JSON.stringify({ email: `webhook-${i}@example.com`, name: `Webhook Customer ${i}`, metadata: { bench: 'webhook-delivery', n: String(i) } }),
        });
        if (res.status !== 201) throw new Error(`creating customer ${i} answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
  const customers = (Date.now() - t0) / 1000;

  t0 = Date.now();
  const dispatcher = app.get(WebhookDispatcher);
  for (;;) {
    const { events } = await dispatcher.drain(100);
    if (events === 0) break;
  }
  const dispatch = (Date.now() - t0) / 1000;
  const rows: { id: string }[] = await app
    .get(Db)
    .dataSource.query(`SELECT id FROM webhook_delivery WHERE endpoint_id = $1 AND status = 'pending' ORDER BY created_at, id`, [endpoint.id]);
  if (rows.length !== EVENTS) throw new Error(`expected ${EVENTS} pending deliveries, the dispatcher made ${rows.length}`);
  log(`  seeded ${EVENTS} customer.created events in ${customers.toFixed(1)} s, dispatched into deliveries in ${dispatch.toFixed(1)} s`);
  return { tenant, endpointId: endpoint.id, secret: endpoint.secret, publicKey, deliveryIds: rows.map((r) => r.id), seedSeconds: { customers, dispatch } };
}

// Runs `count` jobs CONCURRENCY at a time; returns the elapsed seconds.
async function timed(count: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      for (let i = next++; i < count; i = next++) await job(i);
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

// The bare loop: a delivery's exact bytes (body and headers, the marker in place of webhook-id), no signing, no
// database, no URL checks.
function bareClient(url: string, sample: ReceivedSample) {
  const target = new URL(url);
  const headers: Record<string, string> = { [BASELINE_HEADER]: '1' };
  for (const name of ['content-type', 'user-agent', 'webhook-timestamp', 'webhook-signature']) headers[name] = String(sample.headers[name]);
  headers['content-length'] = String(sample.body.length);
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const errors: string[] = [];
  let posts = 0;

  const once = (agent: http.Agent | false) =>
    new Promise<void>((resolve) => {
      const req = http.request({ hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers, agent });
      req.on('error', (err) => {
        errors.push(err.message);
        resolve();
      });
      req.on('response', (res) => {
        if (res.statusCode !== 204) errors.push(`status ${res.statusCode}`);
        res.resume();
        res.on('end', () => {
          posts += 1;
          // Like the egress transport: done with the request once the response has ended.
          if (!agent) req.destroy();
          resolve();
        });
      });
      req.end(sample.body);
    });

  return {
    errors,
    get posts() {
      return posts;
    },
    post: (side: Exclude<Side, 'ours'>, count: number) => timed(count, () => once(side === 'bareKeepAlive' ? keepAlive : false)),
    close: () => keepAlive.destroy(),
  };
}

async function verify(input: { app: NestFastifyApplication; receiver: WebhookReceiver; setup: Setup; failures: string[]; bareErrors: string[]; barePosts: number }): Promise<void> {
  const { app, receiver, setup, failures, bareErrors, barePosts } = input;
  if (failures.length) throw new Error(`${failures.length} deliveries did not end delivered: ${failures.slice(0, 5).join('; ')}`);
  if (bareErrors.length) throw new Error(`bare POST loop: ${bareErrors.length} errors: ${bareErrors.slice(0, 5).join('; ')}`);
  const expectedBare = 2 * (BARE_WARMUP + ROUNDS * BARE_PER_ROUND);
  if (barePosts !== expectedBare || receiver.baseline !== expectedBare) throw new Error(`bare POST loop sent ${barePosts}, receiver counted ${receiver.baseline}, expected ${expectedBare}`);

  const ds = app.get(Db).dataSource;
  const statuses: { status: string; n: number }[] = await ds.query(`SELECT status, count(*)::int AS n FROM webhook_delivery WHERE endpoint_id = $1 GROUP BY status`, [setup.endpointId]);
  const delivered = statuses.find((s) => s.status === 'delivered')?.n ?? 0;
  if (delivered !== EVENTS || statuses.length !== 1) throw new Error(`deliveries by status: ${JSON.stringify(statuses)}, expected ${EVENTS} delivered`);
  const attempts: { outcome: string; status: number | null; n: number }[] = await ds.query(
    `SELECT outcome, response_status AS status, count(*)::int AS n FROM webhook_attempt WHERE endpoint_id = $1 GROUP BY outcome, response_status`,
    [setup.endpointId],
  );
  if (attempts.length !== 1 || attempts[0].outcome !== 'delivered' || attempts[0].status !== 204 || attempts[0].n !== EVENTS) {
    throw new Error(`attempt rows: ${JSON.stringify(attempts)}, expected ${EVENTS} delivered with 204`);
  }

  const duplicates = [...receiver.ids.values()].filter((n) => n !== 1).length;
  if (receiver.deliveries !== EVENTS || receiver.ids.size !== EVENTS || duplicates) {
    throw new Error(`receiver counted ${receiver.deliveries} deliveries, ${receiver.ids.size} distinct ids (${duplicates} repeated), expected exactly ${EVENTS}`);
  }
  const eventIds: { event_id: string }[] = await ds.query(`SELECT event_id FROM webhook_delivery WHERE endpoint_id = $1`, [setup.endpointId]);
  const missing = eventIds.filter((e) => !receiver.ids.has(e.event_id)).length;
  if (missing) throw new Error(`${missing} delivered events never reached the receiver under their webhook-id`);

  const hmacKey = secretBytes(setup.secret);
  const publicKey = new Uint8Array(Buffer.from(setup.publicKey.slice(PUBLIC_KEY_PREFIX.length), 'base64'));
  for (const { headers, body } of receiver.samples) checkSignature(headers, body, hmacKey, publicKey);
}

// A receiver's check, as in the Standard Webhooks libraries: both signatures over `${id}.${timestamp}.${body}`,
// over the bytes that arrived; and the body is the documented envelope.
function checkSignature(headers: http.IncomingHttpHeaders, body: Buffer, hmacKey: Buffer, publicKey: Uint8Array): void {
  const id = String(headers['webhook-id']);
  const signed = Buffer.concat([Buffer.from(`${id}.${String(headers['webhook-timestamp'])}.`, 'utf8'), body]);
  const entries = String(headers['webhook-signature']).split(' ');
  const v1 = entries.find((e) => e.startsWith('v1,'));
  const v1a = entries.find((e) => e.startsWith('v1a,'));
  if (!v1 || !v1a) throw new Error(`delivery ${id}: signature header lacks v1 or v1a: ${entries.map((e) => e.split(',')[0]).join(' ')}`);
  const expected = createHmac('sha256', hmacKey).update(signed).digest();
  const got = Buffer.from(v1.slice(3), 'base64');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new Error(`delivery ${id}: v1 signature does not verify`);
  if (!nacl.sign.detached.verify(new Uint8Array(signed), new Uint8Array(Buffer.from(v1a.slice(4), 'base64')), publicKey)) {
    throw new Error(`delivery ${id}: v1a signature does not verify`);
  }
  const envelope = JSON.parse(body.toString('utf8')) as { type?: string; timestamp?: string; data?: { initiated_by?: string } };
  if (envelope.type !== 'customer.created' || !envelope.timestamp || envelope.data?.initiated_by !== 'merchant_api') {
    throw new Error(`delivery ${id}: unexpected body ${body.toString('utf8').slice(0, 200)}`);
  }
}
