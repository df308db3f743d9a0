import { Test, type TestingModule } from '@nestjs/testing';
import { ApiModule } from '../../src/api.module';
import { AssetSyncService } from '../../src/catalog/asset-sync.service';
import type { Env } from '../../src/config/env';
import { WorkerModule } from '../../src/worker.module';
import { FakeClock } from '../fakes/clock';
import { testEnv } from './env';
import { ensureWorkerDatabase } from './test-db';

export interface TestModule {
  module: TestingModule;
  clock: FakeClock;
  env: Env;
  get: TestingModule['get'];
  close: () => Promise<void>;
}

// The integration tier's harness: one of the two composition roots in a Nest testing module on
// this worker's database and Redis prefix, with a FakeClock and no HTTP.
//  - `api` is initialised like the API process (lifecycle hooks run);
//  - `worker` is compiled but not initialised, so no BullMQ worker or scheduler consumes jobs
//    behind the test's back: the test calls the services and processors itself.
export async function createTestModule(options: { root?: 'api' | 'worker'; clock?: FakeClock; env?: Record<string, string> } = {}): Promise<TestModule> {
  const clock = options.clock ?? new FakeClock();
  const env = testEnv(await ensureWorkerDatabase(), options.env);
  const root = options.root === 'worker' ? WorkerModule.forRoot({ env, clock }) : ApiModule.forRoot({ env, clock });
  const module = await Test.createTestingModule({ imports: [root] }).compile();
  // Failure cases log on purpose; the suite's output stays readable.
  module.useLogger(false);
  if (options.root !== 'worker') await module.init();
  // What boot does in both processes, needed before any plan can be priced.
  else await module.get(AssetSyncService).onApplicationBootstrap();
  return { module, clock, env, get: module.get.bind(module) as TestingModule['get'], close: () => module.close() };
}
