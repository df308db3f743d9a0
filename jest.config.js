const { availableParallelism } = require('node:os');

// Five tiers, each a jest project (`npm run test:<tier>` runs one, `npm test` all of them):
//   unit         pure specs next to the code (src/**/*.spec.ts): no database, no network, no global setup
//   integration  services and repositories in a Nest testing module on real PostgreSQL and Redis, no HTTP
//   e2e          the HTTP contract, security and isolation suites against the real app
//   browser      the portal and dashboard in Chromium
//   chain        reconciliation, reorgs, the worker and the devnet tooling against anvil
const shared = {
  testEnvironment: 'node',
  rootDir: __dirname,
  transform: { '^.+\\.(ts|[mc]?js)$': '<rootDir>/test/support/jest-transform.js' },
  // ESM-only dependencies (NestJS 12 and a few others) are compiled to CommonJS like our sources.
  transformIgnorePatterns: [],
  setupFiles: ['reflect-metadata'],
};

// Every tier but unit gets a migrated template database per run (cloned once per worker) and has
// it, and every Redis key of the run, removed at the end.
const services = {
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // Per-test deadlines for suites that talk to servers: generous, because a test that needs more
  // than this on a loaded machine is waiting for something it should poll for instead.
  setupFilesAfterEnv: ['<rootDir>/test/support/timeouts.ts'],
};

const tier = (name, pattern, extra = {}) => ({ ...shared, displayName: name, testMatch: [pattern], ...extra });

module.exports = {
  // One worker per core; on a 2-core machine that still means two, since most of a suite's time is
  // spent waiting on PostgreSQL, Redis, anvil or Chromium rather than on the CPU.
  maxWorkers: Number(process.env.TEST_WORKERS) || Math.max(2, availableParallelism()),
  // Each test file loads Nest, TypeORM and viem afresh, and a worker's heap keeps growing over the
  // run (past 1.5 GB by the end); a worker above this is replaced between files, so none ends the
  // run too big to exit in the half second jest gives it.
  workerIdleMemoryLimit: '1GB',
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    tier('unit', '<rootDir>/src/**/*.spec.ts'),
    tier('integration', '<rootDir>/test/integration/**/*.integration-spec.ts', services),
    tier('e2e', '<rootDir>/test/e2e/**/*.e2e-spec.ts', services),
    tier('browser', '<rootDir>/test/browser/**/*.browser-spec.ts', services),
    tier('chain', '<rootDir>/test/chain/**/*.chain-spec.ts', services),
  ],
};
