import fc from 'fast-check';
import { DomainError } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import type { Db } from '../database/db.service';
import type { IdempotencyRepository } from './idempotency.repository';
import { canonicalJson, fingerprintOf, IdempotencyService } from './idempotency.service';

// Rebuilds a value with every object's keys inserted in reverse order.
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).reverse()) Object.defineProperty(out, k, { value: reverseKeys((value as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

describe(canonicalJson.name, () => {
  it('is independent of key order, at every depth', () => {
    const a = { b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'x' } };
    const b = { a: { c: 'x', d: [1, { x: 1, y: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('keeps array order significant', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('distinguishes values that differ only in type', () => {
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
    expect(canonicalJson([])).not.toBe(canonicalJson({}));
  });

  it('escapes keys, so a key cannot forge structure', () => {
    expect(canonicalJson({ 'a":1,"b': 2 })).not.toBe(canonicalJson({ a: 1, b: 2 }));
  });

  it('treats an own __proto__ key as data', () => {
    const parsed = JSON.parse('{"__proto__":{"x":1},"a":1}') as unknown;
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"x":1},"a":1}');
  });

  it('maps undefined to null', () => {
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('is the same for any key order of arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => canonicalJson(reverseKeys(v)) === canonicalJson(v)),
      { numRuns: 300 },
    );
  });

  it('is valid JSON that parses back to the same value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 300 },
    );
  });
});

describe(fingerprintOf.name, () => {
  const base = { method: 'POST', path: '/api/v1/customers', body: { email: 'a@example.com', name: 'A' } };
  const key = Buffer.alloc(32, 1);

  it('is a keyed HMAC-SHA256 hex digest: another key gives another fingerprint', () => {
    expect(fingerprintOf(base, key)).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf(base, Buffer.alloc(32, 2))).not.toBe(fingerprintOf(base, key));
  });

  it('ignores the key order of the body', () => {
    expect(fingerprintOf({ ...base, body: { name: 'A', email: 'a@example.com' } }, key)).toBe(fingerprintOf(base, key));
  });

  it.each([
    ['method', { method: 'PATCH' }],
    ['path', { path: '/api/v1/plans' }],
    ['query string', { path: '/api/v1/customers?x=1' }],
    ['body value', { body: { email: 'b@example.com', name: 'A' } }],
    ['extra body field', { body: { email: 'a@example.com', name: 'A', externalId: 'u1' } }],
  ])('changes with the %s', (_name, change) => {
    expect(fingerprintOf({ ...base, ...change }, key)).not.toBe(fingerprintOf(base, key));
  });
});

describe(IdempotencyService.name, () => {
  // validateKey runs before any database work, so these fakes must never be reached.
  const db = { transaction: jest.fn() } as unknown as Db;
  const repo = {} as IdempotencyRepository;
  const config = { env: { MASTER_KEY: Buffer.alloc(32, 3) } } as AppConfig;
  const service = new IdempotencyService(db, repo, { now: () => new Date() }, config);
  const tenant = { merchantId: 'mer_1', livemode: false };

  async function keyOutcome(key: string | undefined): Promise<string> {
    try {
      await service.run(tenant, { key, method: 'POST', path: '/api/v1/customers', body: {} }, 201, () => Promise.resolve({}));
      return 'accepted';
    } catch (err) {
      if (err instanceof DomainError) return err.code;
      throw err;
    }
  }

  beforeEach(() => {
    (db.transaction as jest.Mock).mockReset().mockResolvedValue({ replayed: false, body: {} });
  });

  it.each([
    ['missing', undefined, 'idempotency_key_required'],
    ['empty', '', 'idempotency_key_required'],
    ['256 characters', 'k'.repeat(256), 'idempotency_key_invalid'],
    ['a newline', 'abc\ndef', 'idempotency_key_invalid'],
    ['a tab', 'abc\tdef', 'idempotency_key_invalid'],
    ['a NUL byte', 'abc\u0000', 'idempotency_key_invalid'],
    ['DEL', 'abc\u007f', 'idempotency_key_invalid'],
    ['non-ASCII', 'clé', 'idempotency_key_invalid'],
  ])('rejects a key (%s) before touching the database', async (_name, key, code) => {
    await expect(keyOutcome(key)).resolves.toBe(code);
    expect(db.transaction).not.toHaveBeenCalled();
  });

  it.each([
    ['one character', 'a'],
    ['255 characters', 'k'.repeat(255)],
    ['a UUID', '2f1c9a4e-7b7d-4d0e-9a55-0b7f7f0d3c11'],
    ['printable punctuation and spaces', 'order 42 / retry #1 ~!'],
  ])('accepts a key of %s', async (_name, key) => {
    await expect(keyOutcome(key)).resolves.toBe('accepted');
    expect(db.transaction).toHaveBeenCalledTimes(1);
  });

  it('answers arbitrary strings with a valid parse or a typed error, never anything else (F3)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (key) => {
        const outcome = await keyOutcome(key);
        const valid = key.length >= 1 && key.length <= 255 && /^[\x20-\x7e]+$/.test(key);
        expect(outcome).toBe(valid ? 'accepted' : key === '' ? 'idempotency_key_required' : 'idempotency_key_invalid');
      }),
      { numRuns: 200 },
    );
  });
});
