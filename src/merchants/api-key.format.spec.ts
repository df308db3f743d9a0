import fc from 'fast-check';
import { crc32, generateApiKey, parseApiKey } from './api-key.format';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_LENGTH = 'sk_test_'.length + 32 + 6;

describe('api key format', () => {
  describe(crc32.name, () => {
    it('matches the standard CRC-32 check value', () => {
      // The IEEE 802.3 check value: an implementation drift would silently invalidate every issued key.
      expect(crc32('123456789')).toBe(0xcbf43926);
    });
  });

  describe(generateApiKey.name, () => {
    it('produces sk_test_ keys of 46 base62 characters that parse back as test mode', () => {
      const key = generateApiKey(false);
      expect(key).toMatch(/^sk_test_[0-9A-Za-z]{38}$/);
      expect(key).toHaveLength(KEY_LENGTH);
      expect(parseApiKey(key)).toEqual({ livemode: false, key });
    });

    it('produces sk_live_ keys that parse back as live mode', () => {
      const key = generateApiKey(true);
      expect(key).toMatch(/^sk_live_[0-9A-Za-z]{38}$/);
      expect(parseApiKey(key)).toEqual({ livemode: true, key });
    });

    it('never repeats a key body', () => {
      const bodies = new Set(Array.from({ length: 2000 }, () => generateApiKey(false).slice(8, 40)));
      expect(bodies.size).toBe(2000);
    });
  });

  describe(parseApiKey.name, () => {
    it('rejects every single-character substitution of a valid key', () => {
      const key = generateApiKey(false);
      let accepted = 0;
      let tried = 0;
      for (let i = 0; i < key.length; i++) {
        for (const c of `${ALPHABET}_-`) {
          if (c === key[i]) continue;
          tried += 1;
          if (parseApiKey(key.slice(0, i) + c + key.slice(i + 1)) !== null) accepted += 1;
        }
      }
      expect(tried).toBeGreaterThan(46 * 60);
      expect(accepted).toBe(0);
    });

    it('rejects a valid body whose mode prefix was switched', () => {
      const key = generateApiKey(false);
      expect(parseApiKey(key.replace('sk_test_', 'sk_live_'))).toBeNull();
    });

    it.each([
      ['empty', ''],
      ['truncated by one', (k: string) => k.slice(0, -1)],
      ['one character appended', (k: string) => `${k}a`],
      ['trailing newline', (k: string) => `${k}\n`],
      ['leading space', (k: string) => ` ${k.slice(1)}`],
      ['upper-cased prefix', (k: string) => k.replace('sk_test_', 'SK_TEST_')],
      ['unknown mode', (k: string) => k.replace('sk_test_', 'sk_prod_')],
      ['publishable prefix', (k: string) => k.replace('sk_test_', 'pk_test_')],
      ['checksum stripped', (k: string) => k.slice(0, -6)],
      ['non-ASCII lookalike digit', (k: string) => `${k.slice(0, 10)}\u0661${k.slice(11)}`],
    ])('rejects a key with the wrong shape: %s', (_name, mutate) => {
      const key = generateApiKey(false);
      const candidate = typeof mutate === 'string' ? mutate : mutate(key);
      expect(parseApiKey(candidate)).toBeNull();
    });

    it('never throws and returns null or the key itself on arbitrary strings', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
          const parsed = parseApiKey(s);
          return parsed === null || parsed.key === s;
        }),
        { numRuns: 500 },
      );
    });

    it('rejects random well-shaped keys whose checksum was never computed', () => {
      // A random 6-character tail matches the CRC with probability 62^-6; 500 runs never hit it in practice.
      const base62 = fc.constantFrom(...ALPHABET.split(''));
      fc.assert(
        fc.property(fc.boolean(), fc.array(base62, { minLength: 38, maxLength: 38 }), (live, chars) => {
          return parseApiKey(`sk_${live ? 'live' : 'test'}_${chars.join('')}`) === null;
        }),
        { numRuns: 500 },
      );
    });
  });
});

