import { ConfigError, loadEnv } from '../config/env';

const BASE = { MASTER_KEY: 'a'.repeat(64) };

describe('webhook configuration', () => {
  it('defaults: 15 s timeout, port 443, no loopback, 30 days of logs', () => {
    const env = loadEnv(BASE);
    expect(env).toMatchObject({ WEBHOOK_TIMEOUT_MS: 15_000, WEBHOOK_ALLOWED_PORTS: [443], WEBHOOK_ALLOW_LOOPBACK: false, WEBHOOK_LOG_RETENTION_DAYS: 30 });
  });

  it('parses a port list and the development switch', () => {
    const env = loadEnv({ ...BASE, WEBHOOK_ALLOWED_PORTS: '443, 8443', WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_TIMEOUT_MS: '30000' });
    expect(env).toMatchObject({ WEBHOOK_ALLOWED_PORTS: [443, 8443], WEBHOOK_ALLOW_LOOPBACK: true, WEBHOOK_TIMEOUT_MS: 30_000 });
  });

  it.each([
    [{ WEBHOOK_TIMEOUT_MS: '30001' }, 'WEBHOOK_TIMEOUT_MS'],
    [{ WEBHOOK_ALLOWED_PORTS: '443,http' }, 'WEBHOOK_ALLOWED_PORTS'],
    [{ WEBHOOK_ALLOWED_PORTS: '70000' }, 'WEBHOOK_ALLOWED_PORTS'],
    [{ WEBHOOK_ALLOW_LOOPBACK: 'yes' }, 'WEBHOOK_ALLOW_LOOPBACK'],
    [{ WEBHOOK_ALLOW_LOOPBACK: 'true', NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://billing.example.com' }, 'WEBHOOK_ALLOW_LOOPBACK'],
  ])('refuses %j', (vars, name) => {
    let error: unknown;
    try {
      loadEnv({ ...BASE, ...vars });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.some((i) => i.startsWith(name))).toBe(true);
  });
});
