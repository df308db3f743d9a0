import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { getAddress, type Address } from 'viem';
import { createApp } from '../src/app';
import type { Clock } from '../src/common/clock';
import { MerchantService, type CreatedMerchant } from '../src/merchants/merchant.service';
import type { Scope } from '../src/merchants/scopes';
import { FakeClock } from './fakes/clock';
import { testEnv } from './support/env';
import { ensureWorkerDatabase } from './support/test-db';

export interface TestApp {
  app: NestFastifyApplication;
  clock: FakeClock;
  http: () => request.Agent;
  close: () => Promise<void>;
}

export async function createTestApp(options: { clock?: FakeClock; env?: Record<string, string> } = {}): Promise<TestApp> {
  const clock = options.clock ?? new FakeClock();
  const env = testEnv(await ensureWorkerDatabase(), options.env);
  const app = await createApp({ env, clock: clock as Clock });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    clock,
    http: () => request.agent(app.getHttpServer()),
    close: () => app.close(),
  };
}

export interface TestMerchant extends CreatedMerchant {
  key: string;
}

let counter = 0;

export async function createMerchant(t: TestApp, options: { livemode?: boolean; name?: string } = {}): Promise<TestMerchant> {
  counter += 1;
  const created = await t.app.get(MerchantService).create({ name: options.name ?? `Test Merchant ${counter} ${Date.now()}`, livemode: options.livemode ?? false });
  return { ...created, key: created.apiKey.secret };
}

export async function createKey(t: TestApp, merchantId: string, options: { livemode?: boolean; scopes?: Scope[] } = {}): Promise<string> {
  const key = await t.app.get(MerchantService).createApiKey(merchantId, { livemode: options.livemode ?? false, name: 'test', scopes: options.scopes, createdBy: 'test' });
  return key.secret;
}

// A receiving address no other merchant uses: an address belongs to one merchant (per chain), and
// the test files of a jest worker share one database.
export function freshAddress(): Address {
  return getAddress(`0x${randomBytes(20).toString('hex')}`);
}

let idem = 0;

// A small client for the merchant API: bearer auth plus a fresh Idempotency-Key on every POST.
export function api(t: TestApp, key: string) {
  const auth = { authorization: `Bearer ${key}` };
  return {
    get: (path: string) => t.http().get(path).set(auth),
    post: (path: string, body?: object, idempotencyKey = `test-${Date.now()}-${(idem += 1)}`) =>
      t.http().post(path).set(auth).set('idempotency-key', idempotencyKey).send(body ?? {}),
    patch: (path: string, body: object) => t.http().patch(path).set(auth).send(body),
    delete: (path: string) => t.http().delete(path).set(auth),
  };
}
