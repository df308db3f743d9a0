import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApp } from '../src/app';
import type { Clock } from '../src/common/clock';
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

// Merchants for suites built on the app; see test/factories for the rest of the fixtures.
export { createMerchant, createApiKey as createKey, type MerchantFixture as TestMerchant } from './factories';

export { freshAddress } from './factories';

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
