import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { ColumnCipher, DecryptionError, type CipherContext } from './column-cipher';

const MASTER = Buffer.from('6c1d5e0a9b7f4c3e2d1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c', 'hex');
const CTX: CipherContext = { merchantId: 'mer_A', table: 'billing_profile', column: 'data', rowId: 'cus_1' };
const PLAINTEXT = '{"email":"ada@example.com","taxId":"GB123456789"}';

const PART = { version: 0, alg: 1, kid: 2, nonce: 3, ct: 4, tag: 5 } as const;

function parts(envelope: string): string[] {
  return envelope.split('.');
}

function withPart(envelope: string, index: number, value: string): string {
  const p = parts(envelope);
  p[index] = value;
  return p.join('.');
}

function flipByte(b64: string, at = 0): string {
  const bytes = Buffer.from(b64, 'base64url');
  bytes[at % bytes.length] ^= 0x01;
  return bytes.toString('base64url');
}

// DecryptionError is the only acceptable outcome: never an empty string, null or a garbled plaintext.
function decryptOutcome(cipher: ColumnCipher, envelope: string, ctx: CipherContext): unknown {
  try {
    return cipher.decrypt(envelope, ctx);
  } catch (err) {
    return err;
  }
}

describe(ColumnCipher.name, () => {
  const cipher = new ColumnCipher(MASTER);

  describe('envelope (D1)', () => {
    it('is v1.a256gcm.kid.nonce.ciphertext.tag in base64url and does not contain the plaintext', () => {
      const envelope = cipher.encrypt(PLAINTEXT, CTX);
      const p = parts(envelope);
      expect(p).toHaveLength(6);
      expect(p[PART.version]).toBe('v1');
      expect(p[PART.alg]).toBe('a256gcm');
      expect(p[PART.kid]).toBe('k1');
      for (const segment of p.slice(3)) expect(segment).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(p[PART.nonce], 'base64url')).toHaveLength(12);
      expect(Buffer.from(p[PART.tag], 'base64url')).toHaveLength(16);
      expect(Buffer.from(p[PART.ct], 'base64url')).toHaveLength(Buffer.byteLength(PLAINTEXT));
      expect(envelope).not.toContain('ada@example.com');
      expect(Buffer.from(p[PART.ct], 'base64url').toString('utf8')).not.toContain('ada@example.com');
    });

    it('round-trips under the same context', () => {
      expect(cipher.decrypt(cipher.encrypt(PLAINTEXT, CTX), CTX)).toBe(PLAINTEXT);
    });

    it('round-trips the empty string', () => {
      expect(cipher.decrypt(cipher.encrypt('', CTX), CTX)).toBe('');
    });
  });

  describe('tampering (D2)', () => {
    const envelope = cipher.encrypt(PLAINTEXT, CTX);

    it.each([
      ['ciphertext', PART.ct],
      ['nonce', PART.nonce],
      ['tag', PART.tag],
    ])('raises DecryptionError for every flipped byte of the %s', (_name, index) => {
      const segment = parts(envelope)[index];
      const length = Buffer.from(segment, 'base64url').length;
      for (let at = 0; at < length; at++) {
        expect(decryptOutcome(cipher, withPart(envelope, index, flipByte(segment, at)), CTX)).toBeInstanceOf(DecryptionError);
      }
    });

    it.each([
      ['another kid', 'k2'],
      ['a flipped kid byte', 'j1'],
      ['an empty kid', ''],
    ])('raises DecryptionError for %s', (_name, kid) => {
      expect(decryptOutcome(cipher, withPart(envelope, PART.kid, kid), CTX)).toBeInstanceOf(DecryptionError);
    });

    it.each([
      ['version', PART.version, 'v2'],
      ['algorithm', PART.alg, 'a128gcm'],
      ['truncated tag', PART.tag, Buffer.alloc(12).toString('base64url')],
      ['short nonce', PART.nonce, Buffer.alloc(8).toString('base64url')],
      ['empty ciphertext', PART.ct, ''],
    ])('raises DecryptionError for a rewritten %s', (_name, index, value) => {
      expect(decryptOutcome(cipher, withPart(envelope, index, value), CTX)).toBeInstanceOf(DecryptionError);
    });

    it.each([
      ['empty string', ''],
      ['missing segment', (e: string) => parts(e).slice(0, 5).join('.')],
      ['extra segment', (e: string) => `${e}.AAAA`],
      ['plaintext stored unencrypted', PLAINTEXT],
      ['garbage', 'v1.a256gcm.k1.!!!.???.***'],
    ])('raises DecryptionError for a malformed envelope: %s', (_name, make) => {
      const candidate = typeof make === 'string' ? make : make(envelope);
      expect(decryptOutcome(cipher, candidate, CTX)).toBeInstanceOf(DecryptionError);
    });

    it('raises DecryptionError under another master key', () => {
      const other = new ColumnCipher(randomBytes(32));
      expect(decryptOutcome(other, envelope, CTX)).toBeInstanceOf(DecryptionError);
    });
  });

  describe('context binding (D3)', () => {
    const envelope = cipher.encrypt(PLAINTEXT, CTX);

    it.each([
      ['another row of the same table', { rowId: 'cus_2' }],
      ['another column', { column: 'email' }],
      ['another table', { table: 'webhook_endpoint' }],
      ['another merchant', { merchantId: 'mer_B' }],
    ])('raises DecryptionError when the ciphertext is moved to %s', (_name, change) => {
      expect(decryptOutcome(cipher, envelope, { ...CTX, ...change })).toBeInstanceOf(DecryptionError);
    });
  });

  describe('nonces (D4)', () => {
    it('uses a fresh nonce and produces a distinct ciphertext for 10,000 encryptions of one plaintext', () => {
      const nonces = new Set<string>();
      const ciphertexts = new Set<string>();
      for (let i = 0; i < 10_000; i++) {
        const p = parts(cipher.encrypt(PLAINTEXT, CTX));
        nonces.add(p[PART.nonce]);
        ciphertexts.add(p[PART.ct]);
      }
      expect(nonces.size).toBe(10_000);
      expect(ciphertexts.size).toBe(10_000);
    });
  });

  describe('properties (F6)', () => {
    const ctxArb = fc.record({
      merchantId: fc.string({ minLength: 1, maxLength: 30 }),
      table: fc.string({ minLength: 1, maxLength: 30 }),
      column: fc.string({ minLength: 1, maxLength: 30 }),
      rowId: fc.string({ minLength: 1, maxLength: 30 }),
    });

    it('decrypt(encrypt(p, ctx), ctx) == p for arbitrary unicode plaintexts', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 300 }), ctxArb, (plaintext, ctx) => cipher.decrypt(cipher.encrypt(plaintext, ctx), ctx) === plaintext),
        { numRuns: 200 },
      );
    });

    it('fails with DecryptionError when any single context field changes', () => {
      const field = fc.constantFrom<keyof CipherContext>('merchantId', 'table', 'column', 'rowId');
      fc.assert(
        fc.property(fc.string({ maxLength: 200 }), ctxArb, field, fc.string({ minLength: 1, maxLength: 30 }), (plaintext, ctx, key, replacement) => {
          fc.pre(ctx[key] !== replacement);
          const sealed = cipher.encrypt(plaintext, ctx);
          return decryptOutcome(cipher, sealed, { ...ctx, [key]: replacement }) instanceof DecryptionError;
        }),
        { numRuns: 300 },
      );
    });
  });
});
