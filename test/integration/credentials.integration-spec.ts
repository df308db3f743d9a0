import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { KEY_CACHE_MAX_ENTRIES, LinkKeyService } from '../../src/portal-links/link-key.service';
import { createApiKey, createMerchant } from '../factories';
import { createTestModule, type TestModule } from '../support/testing-module';

// How API keys are stored and how link keys are cached, below the HTTP surface that the e2e
// suites (api-keys, portal-link-attacks) drive.
describe('credentials at rest and in memory', () => {
  let t: TestModule;

  beforeAll(async () => {
    t = await createTestModule();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('stores a peppered hash, the display prefix and last4, scopes and creator', async () => {
    const m = await createMerchant(t);
    const secret = await createApiKey(t, m.id, { scopes: ['customers:read'] });
    const rows: Record<string, unknown>[] = await t.get(DataSource).query(`SELECT * FROM api_key WHERE merchant_id = $1 AND last4 = $2`, [m.id, secret.slice(-4)]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ prefix: secret.slice(0, 12), last4: secret.slice(-4), scopes: ['customers:read'], created_by: 'test', livemode: false });
    expect(rows[0].key_hash).toMatch(/^k1:[0-9a-f]{64}$/);
    expect(rows[0].key_hash).not.toBe(`k1:${createHash('sha256').update(secret).digest('hex')}`);
  });

  it('L13: a flood of unknown kids cannot grow the verification key cache without bound', async () => {
    const keys = t.get(LinkKeyService);
    for (let batch = 0; batch < (KEY_CACHE_MAX_ENTRIES + 200) / 50; batch++) {
      const found = await Promise.all(Array.from({ length: 50 }, () => keys.forVerification(`lk_${randomBytes(12).toString('hex')}`)));
      expect(found.every((k) => k === null)).toBe(true);
    }
    expect(keys.cachedKids).toBeLessThanOrEqual(KEY_CACHE_MAX_ENTRIES);
  });
});
