import { AppConfig } from '../config/app-config';
import { ConfigError, loadEnv } from '../config/env';
import { PasswordHasher } from './password-hasher';

const MASTER_KEY = '6c1d5e0a9b7f4c3e2d1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c';

function hasher(vars: Record<string, string> = {}): PasswordHasher {
  return new PasswordHasher(new AppConfig(loadEnv({ MASTER_KEY, ...vars })));
}

describe(PasswordHasher.name, () => {
  it('uses the production scrypt cost (N=2^17, r=8, p=1) unless configured otherwise', () => {
    expect(hasher().params).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect(hasher({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://billing.example' }).params).toEqual({ N: 2 ** 17, r: 8, p: 1 });
  });

  it('hashes at the configured cost and verifies hashes made at any cost', async () => {
    const cheap = hasher({ PASSWORD_SCRYPT_N: '1024', PASSWORD_SCRYPT_R: '4' });
    const stored = await cheap.hash('correct horse battery');
    expect(stored).toMatch(/^scrypt\$1024\$4\$1\$/);
    const other = hasher({ PASSWORD_SCRYPT_N: '2048' });
    await expect(other.verify('correct horse battery', stored)).resolves.toBe(true);
    await expect(other.verify('correct horse batterY', stored)).resolves.toBe(false);
  });

  it('verifies unknown emails against one dummy hash at the configured cost', async () => {
    const cheap = hasher({ PASSWORD_SCRYPT_N: '1024' });
    const dummy = await cheap.dummyHash();
    expect(dummy).toMatch(/^scrypt\$1024\$8\$1\$/);
    await expect(cheap.dummyHash()).resolves.toBe(dummy);
  });

  it('refuses a cost below production in production, and a malformed N anywhere', () => {
    const production = { NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://billing.example' };
    expect(() => loadEnv({ MASTER_KEY, ...production, PASSWORD_SCRYPT_N: '1024' })).toThrow(ConfigError);
    expect(() => loadEnv({ MASTER_KEY, ...production, PASSWORD_SCRYPT_R: '4' })).toThrow(ConfigError);
    expect(() => loadEnv({ MASTER_KEY, PASSWORD_SCRYPT_N: '1000' })).toThrow(/PASSWORD_SCRYPT_N: must be a power of two/);
    expect(() => loadEnv({ MASTER_KEY, PASSWORD_SCRYPT_N: String(2 ** 21) })).toThrow(/PASSWORD_SCRYPT_N/);
  });
});
