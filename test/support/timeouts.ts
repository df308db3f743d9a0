// Suites that start apps, browsers or chains get a minute per test (and hook): a deadline for a
// test that hangs, never a wait. Waiting for state is waitFor's job (test/support/wait.ts).
jest.setTimeout(60_000);
