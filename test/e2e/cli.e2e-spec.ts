import { api, createTestApp, type TestApp } from '../app';
import { billfold, cliEnv } from '../support/cli';



describe('billfold CLI', () => {
  let t: TestApp;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    env = await cliEnv('cli');
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  let merchantId: string;

  it('merchants create --json prints only the merchant and a test key that authenticates', async () => {
    const run = await billfold(['merchants', 'create', '--name', 'CLI Merchant', '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { merchant: { id: string; name: string }; apiKey: { id: string; secret: string; livemode: boolean } };
    expect(Object.keys(out).sort()).toEqual(['apiKey', 'merchant']);
    expect(out.merchant).toMatchObject({ object: 'merchant', name: 'CLI Merchant' });
    expect(out.apiKey.secret).toMatch(/^sk_test_/);
    expect(out.apiKey.livemode).toBe(false);
    merchantId = out.merchant.id;

    const me = await api(t, out.apiKey.secret).get('/api/v1/merchant');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(merchantId);
  });

  it('api-keys create issues a key limited to the requested scopes', async () => {
    const run = await billfold(['api-keys', 'create', '--merchant', merchantId, '--scopes', 'customers:read', '--name', 'read only', '--json'], env);
    expect(run.code).toBe(0);
    const { apiKey } = JSON.parse(run.stdout) as { apiKey: { secret: string; scopes: string[] } };
    expect(apiKey.scopes).toEqual(['customers:read']);

    const client = api(t, apiKey.secret);
    expect((await client.get('/api/v1/customers')).status).toBe(200);
    const write = await client.post('/api/v1/customers', { email: 'nope@example.com' });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('insufficient_scope');
  });

  it('api-keys create refuses an unknown scope or merchant with a clear message', async () => {
    const [badScope, badMerchant] = await Promise.all([
      billfold(['api-keys', 'create', '--merchant', merchantId, '--scopes', 'customers:read,refunds:write'], env),
      billfold(['api-keys', 'create', '--merchant', 'mer_0000000000000000000000'], env),
    ]);
    expect(badScope.code).toBe(1);
    expect(badScope.stdout).toBe('');
    expect(badScope.stderr).toContain('unknown scope refunds:write');
    expect(badScope.stderr).toContain('valid scopes: customers:read');

    expect(badMerchant.code).toBe(1);
    expect(badMerchant.stderr).toContain('No such merchant: mer_0000000000000000000000');
  });

  it('a missing or invalid MASTER_KEY stops any command and names the variable', async () => {
    const [missing, invalid] = await Promise.all([
      billfold(['merchants', 'create', '--name', 'Never'], { ...env, MASTER_KEY: undefined }),
      billfold(['migrate'], { ...env, MASTER_KEY: 'not-32-bytes' }),
    ]);
    for (const run of [missing, invalid]) {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('invalid configuration');
      expect(run.stderr).toMatch(/- MASTER_KEY: /);
    }
    expect(invalid.stderr).toContain('must be 32 bytes');
  });
});
