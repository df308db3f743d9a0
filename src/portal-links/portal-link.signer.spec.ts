import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  canonicalPayload,
  checkTimes,
  decodePayload,
  MAX_LIFETIME_SECONDS,
  MAX_TOKEN_LENGTH,
  parseToken,
  PortalLinkInvalid,
  signPortalLink,
  verifyMac,
  type LinkFailure,
  type ParsedToken,
  type PortalLinkPayload,
} from './portal-link.signer';

const SECRET = Buffer.alloc(32, 7);
const KID = 'lk_0123456789abcdef';
const NOW = 1_760_000_000;
const TOKEN_REGEX = /^pl1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const ID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function payload(overrides: Partial<PortalLinkPayload> = {}): PortalLinkPayload {
  return {
    v: 1,
    mid: 'mer_AAAAAAAAAAAAAAAAAAAAAA',
    cid: 'cus_BBBBBBBBBBBBBBBBBBBBBB',
    iat: NOW,
    exp: NOW + 3600,
    jti: 'pl_CCCCCCCCCCCCCCCCCCCCCC',
    epoch: 0,
    scp: ['read', 'pay'],
    pg: null,
    ret: null,
    su: false,
    emb: false,
    ...overrides,
  };
}

// The full verification chain the service runs, minus the database: parse, MAC, payload, times.
function verifyChain(token: string, now = NOW, secret = SECRET): PortalLinkPayload {
  const parsed = parseToken(token);
  if (!verifyMac(secret, parsed)) throw new PortalLinkInvalid('bad_mac');
  const p = decodePayload(parsed.payloadB64);
  checkTimes(p, now);
  return p;
}

// Re-signs arbitrary payload text under a valid MAC, so only the payload rules can reject it.
function signText(text: string, purpose = 'portal_link.v1', secret = SECRET, kid = KID): string {
  const payloadB64 = Buffer.from(text, 'utf8').toString('base64url');
  const mac = createHmac('sha256', secret).update(`${purpose}.${kid}.${payloadB64}`).digest('base64url');
  return `pl1.${kid}.${payloadB64}.${mac}`;
}

function failure(fn: () => unknown): LinkFailure | 'no error' {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof PortalLinkInvalid)) throw new Error(`untyped error escaped: ${String(err)}`, { cause: err });
    return err.reason;
  }
  return 'no error';
}

const idArb = (prefix: string) => fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 22, maxLength: 22 }).map((s) => `${prefix}_${s}`);

const payloadArb: fc.Arbitrary<PortalLinkPayload> = fc
  .record({
    mid: idArb('mer'),
    cid: idArb('cus'),
    iat: fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
    lifetime: fc.integer({ min: 1, max: MAX_LIFETIME_SECONDS }),
    jti: idArb('pl'),
    epoch: fc.nat({ max: 1_000_000 }),
    scp: fc.subarray(['read', 'pay', 'manage', 'profile', 'wallets'] as const, { minLength: 1 }),
    pg: fc.option(fc.constantFrom('overview', 'invoices', 'invoice:inv_DDDDDDDDDDDDDDDDDDDDDD'), { nil: null }),
    ret: fc.option(fc.constantFrom('https://merchant.example/app', 'https://merchant.example/app/ü?x="y"'), { nil: null }),
    su: fc.boolean(),
    emb: fc.boolean(),
  })
  .map(({ lifetime, ...p }) => ({ v: 1 as const, ...p, scp: [...p.scp], exp: p.iat + lifetime }));

describe('portal link signer', () => {
  describe('F1: sign and decode', () => {
    it('round-trips every valid payload and always produces the token shape', () => {
      fc.assert(
        fc.property(payloadArb, (p) => {
          const token = signPortalLink(SECRET, KID, p);
          expect(token).toMatch(TOKEN_REGEX);
          const parsed = parseToken(token);
          expect(parsed.kid).toBe(KID);
          expect(verifyMac(SECRET, parsed)).toBe(true);
          expect(decodePayload(parsed.payloadB64)).toEqual(p);
          expect(verifyChain(token, p.iat)).toEqual(p);
        }),
        { numRuns: 200 },
      );
    });

    it('signs the canonical key order whatever order the object was built in', () => {
      const p = payload();
      const shuffled = Object.fromEntries(Object.entries(p).reverse()) as unknown as PortalLinkPayload;
      expect(signPortalLink(SECRET, KID, shuffled)).toBe(signPortalLink(SECRET, KID, p));
      expect(Buffer.from(signPortalLink(SECRET, KID, p).split('.')[2], 'base64url').toString()).toBe(canonicalPayload(p));
    });

    it('refuses to sign with a malformed kid', () => {
      expect(() => signPortalLink(SECRET, 'a.b', payload())).toThrow('invalid kid');
      expect(() => signPortalLink(SECRET, 'x'.repeat(41), payload())).toThrow('invalid kid');
    });
  });

  describe('F2: single-character mutations never verify', () => {
    const alphabet = fc.oneof(
      fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );

    it('substitution, insertion and deletion all fail with PortalLinkInvalid only', () => {
      fc.assert(
        fc.property(payloadArb, fc.nat(), alphabet, fc.constantFrom('substitute', 'insert', 'delete'), (p, rawIndex, ch, op) => {
          const token = signPortalLink(SECRET, KID, p);
          const i = rawIndex % (op === 'insert' ? token.length + 1 : token.length);
          let mutated: string;
          if (op === 'substitute') mutated = token.slice(0, i) + ch + token.slice(i + 1);
          else if (op === 'insert') mutated = token.slice(0, i) + ch + token.slice(i);
          else mutated = token.slice(0, i) + token.slice(i + 1);
          fc.pre(mutated !== token);
          expect(failure(() => verifyChain(mutated, p.iat))).not.toBe('no error');
        }),
        { numRuns: 2000 },
      );
    });

    it('fails for every position of the token with a deterministic substitution', () => {
      const token = signPortalLink(SECRET, KID, payload());
      for (let i = 0; i < token.length; i++) {
        const replacement = token[i] === 'A' ? 'B' : 'A';
        const mutated = token.slice(0, i) + replacement + token.slice(i + 1);
        expect(failure(() => verifyChain(mutated))).not.toBe('no error');
      }
    });
  });

  describe('F3: arbitrary input to the parsers', () => {
    it('parseToken only ever throws PortalLinkInvalid on arbitrary unicode strings', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 700 }), (s) => {
          expect(failure(() => parseToken(s))).toBe('format');
        }),
        { numRuns: 1000 },
      );
    });

    it('parseToken and the chain reject arbitrary segments in the token shape without untyped errors', () => {
      const segment = fc.string({ unit: fc.constantFrom(...'AZaz09-_=+/. é\u0430'), maxLength: 80 });
      fc.assert(
        fc.property(fc.constantFrom('pl1', 'pl2', 'PL1', ''), segment, segment, segment, (v, kid, body, mac) => {
          expect(failure(() => verifyChain(`${v}.${kid}.${body}.${mac}`))).not.toBe('no error');
        }),
        { numRuns: 1000 },
      );
    });

    it('decodePayload only ever throws PortalLinkInvalid on arbitrary input', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.json().map((j) => Buffer.from(j).toString('base64url'))), (s) => {
          expect(failure(() => decodePayload(s))).toBe('payload');
        }),
        { numRuns: 1000 },
      );
    });

    it('rejects non-string input and over-long strings before any pattern runs', () => {
      for (const value of [undefined, null, 42, {}, ['pl1'], Buffer.from('pl1')]) expect(failure(() => parseToken(value))).toBe('format');
      const huge = `pl1.${KID}.${'A'.repeat(1_000_000)}.${'A'.repeat(43)}`;
      const started = process.hrtime.bigint();
      expect(failure(() => parseToken(huge))).toBe('format');
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(50);
      const longest = signPortalLink(SECRET, KID, payload());
      expect(longest.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
      expect(failure(() => parseToken(`${longest}${'A'.repeat(MAX_TOKEN_LENGTH - longest.length + 1)}`))).toBe('format');
    });

    it('rejects a wrong version, segment count or kid shape', () => {
      const [, kid, body, mac] = signPortalLink(SECRET, KID, payload()).split('.');
      expect(failure(() => parseToken(`pl2.${kid}.${body}.${mac}`))).toBe('format');
      expect(failure(() => parseToken(`pl1.${kid}.${body}`))).toBe('format');
      expect(failure(() => parseToken(`pl1.${kid}.${body}.${mac}.x`))).toBe('format');
      expect(failure(() => parseToken(`pl1.abc.${body}.${mac}`))).toBe('format');
      expect(failure(() => parseToken(`pl1.lk-0123456789.${body}.${mac}`))).toBe('format');
    });
  });

  describe('F4 / L6: MAC length and comparison', () => {
    const good = parseToken(signPortalLink(SECRET, KID, payload()));

    it.each([
      ['31 bytes', 31],
      ['empty', 0],
      ['64 bytes', 64],
      ['33 bytes', 33],
    ])('a %s MAC is false and never throws', (_label, length) => {
      const parsed: ParsedToken = { ...good, mac: Buffer.concat([good.mac, good.mac, good.mac]).subarray(0, length) };
      expect(() => verifyMac(SECRET, parsed)).not.toThrow();
      expect(verifyMac(SECRET, parsed)).toBe(false);
    });

    it('any MAC length is false and never throws (property)', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
          expect(verifyMac(SECRET, { ...good, mac: Buffer.from(bytes) })).toBe(false);
        }),
      );
    });

    it('MACs of the wrong length in a token fail without a throw beyond PortalLinkInvalid', () => {
      const [, kid, body] = signPortalLink(SECRET, KID, payload()).split('.');
      for (const length of [31, 64, 1]) {
        const mac = randomBytes(length).toString('base64url');
        expect(failure(() => verifyChain(`pl1.${kid}.${body}.${mac}`))).toBe('bad_mac');
      }
      expect(failure(() => verifyChain(`pl1.${kid}.${body}.`))).toBe('format');
    });

    it('L27: the comparison goes through crypto.timingSafeEqual', () => {
      // The signer's compiled require('node:crypto') and jest.requireActual share the core module object.
      const spy = jest.spyOn(jest.requireActual<typeof import('node:crypto')>('node:crypto'), 'timingSafeEqual');
      try {
        expect(verifyMac(SECRET, good)).toBe(true);
        const lastByteFlipped = Buffer.from(good.mac);
        lastByteFlipped[31] ^= 1;
        expect(verifyMac(SECRET, { ...good, mac: lastByteFlipped })).toBe(false);
        expect(spy).toHaveBeenCalledTimes(2);
        // A length mismatch is decided before the call (timingSafeEqual would throw).
        expect(verifyMac(SECRET, { ...good, mac: good.mac.subarray(0, 31) })).toBe(false);
        expect(spy).toHaveBeenCalledTimes(2);
      } finally {
        spy.mockRestore();
      }
    });

    it('a MAC that differs only in its last byte fails', () => {
      const mac = Buffer.from(good.mac);
      mac[31] ^= 0x80;
      expect(verifyMac(SECRET, { ...good, mac })).toBe(false);
    });

    it('a MAC under another secret fails', () => {
      expect(verifyMac(Buffer.alloc(32, 8), good)).toBe(false);
    });
  });

  describe('L7: only canonical unpadded base64url', () => {
    const token = signPortalLink(SECRET, KID, payload({ ret: 'https://merchant.example/app?x=1' }));
    const [, kid, body, mac] = token.split('.');

    it('accepts the untouched token', () => {
      expect(verifyChain(token)).toEqual(payload({ ret: 'https://merchant.example/app?x=1' }));
    });

    it.each([
      ['= padding on the MAC', `pl1.${kid}.${body}.${mac}=`],
      ['= padding on the payload', `pl1.${kid}.${body}==.${mac}`],
      ['standard alphabet in the MAC', `pl1.${kid}.${body}.${Buffer.from(mac, 'base64url').toString('base64').replace(/=+$/, '')}`],
      ['a trailing space', `pl1.${kid}.${body}.${mac} `],
      ['a newline inside the payload', `pl1.${kid}.${body.slice(0, 10)}\n${body.slice(10)}.${mac}`],
      ['a trailing newline', `${token}\n`],
      ['a leading tab', `\t${token}`],
      ['a Cyrillic homoglyph in the MAC', `pl1.${kid}.${body}.\u0430${mac.slice(1)}`],
      ['a fullwidth letter in the payload', `pl1.${kid}.${body.replace(/[A-Za-z]/, '\uFF21')}.${mac}`],
      ['a homoglyph in the version', `p\u04cf1.${kid}.${body}.${mac}`],
    ])('rejects %s', (_label, mutated) => {
      expect(mutated).not.toBe(token);
      expect(failure(() => verifyChain(mutated))).toBe('format');
    });

    it('rejects a MAC with non-zero trailing bits (same bytes, different text)', () => {
      // 32 bytes → 43 characters; the last character carries 4 data bits and 2 padding bits.
      const last = mac[mac.length - 1];
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const sibling = alphabet[alphabet.indexOf(last) | 1];
      expect(sibling).not.toBe(last);
      const mutated = `pl1.${kid}.${body}.${mac.slice(0, -1)}${sibling}`;
      expect(Buffer.from(mutated.split('.')[3], 'base64url').equals(Buffer.from(mac, 'base64url'))).toBe(true);
      expect(failure(() => verifyChain(mutated))).toBe('format');
    });

    it('rejects a payload with non-zero trailing bits even under a MAC of that exact text', () => {
      // One of three consecutive lengths leaves spare bits in the last base64 character.
      const text = [0, 10, 100].map((epoch) => canonicalPayload(payload({ epoch }))).find((t) => Buffer.byteLength(t) % 3 !== 0)!;
      const canonical = Buffer.from(text).toString('base64url');
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = canonical[canonical.length - 1];
      const variant = canonical.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1];
      expect(Buffer.from(variant, 'base64url').toString()).toBe(text);
      const macOfVariant = createHmac('sha256', SECRET).update(`portal_link.v1.${KID}.${variant}`).digest('base64url');
      expect(failure(() => verifyChain(`pl1.${KID}.${variant}.${macOfVariant}`))).toBe('format');
    });
  });

  describe('L8: payload JSON must be canonical and typed (valid MAC each time)', () => {
    const canonical = canonicalPayload(payload());

    it('accepts the canonical text re-signed by hand (control)', () => {
      expect(verifyChain(signText(canonical))).toEqual(payload());
    });

    it.each([
      ['a duplicate key', canonical.replace('"epoch":0', '"epoch":5,"epoch":0')],
      ['a duplicate key that changes the value', canonical.replace('"cid":"cus_BBBBBBBBBBBBBBBBBBBBBB"', '"cid":"cus_XXXXXXXXXXXXXXXXXXXXXX","cid":"cus_BBBBBBBBBBBBBBBBBBBBBB"')],
      ['an unknown field', canonical.replace('}', ',"admin":true}')],
      ['a __proto__ key', canonical.replace('{', '{"__proto__":{"admin":true},')],
      ['a __proto__ key instead of emb', canonical.replace('"emb":false', '"__proto__":false')],
      ['a constructor key', canonical.replace('}', ',"constructor":{"prototype":{}}}')],
      ['exp as a string', canonical.replace(/"exp":(\d+)/, '"exp":"9999999999"')],
      ['iat as a string', canonical.replace(/"iat":(\d+)/, '"iat":"$1"')],
      ['epoch as a float', canonical.replace('"epoch":0', '"epoch":0.5')],
      ['epoch negative', canonical.replace('"epoch":0', '"epoch":-1')],
      ['exp as a non-canonical number', canonical.replace(/"exp":(\d+)/, '"exp":$1.0')],
      ['exp in exponent form', canonical.replace(/"exp":(\d+)/, `"exp":${(NOW + 3600) / 10}e1`)],
      ['v as 2', canonical.replace('"v":1', '"v":2')],
      ['v as a string', canonical.replace('"v":1', '"v":"1"')],
      ['su as a string', canonical.replace('"su":false', '"su":"false"')],
      ['an unknown scope', canonical.replace('"read"', '"admin"')],
      ['a duplicated scope', canonical.replace('["read","pay"]', '["read","read"]')],
      ['empty scopes', canonical.replace('["read","pay"]', '[]')],
      ['keys in another order', canonical.replace('"v":1,"mid":"mer_AAAAAAAAAAAAAAAAAAAAAA"', '"mid":"mer_AAAAAAAAAAAAAAAAAAAAAA","v":1')],
      ['whitespace', canonical.replace(',', ', ')],
      ['a unicode escape', canonical.replace('"cus_', '"\\u0063us_')],
      ['a malformed merchant id', canonical.replace('mer_AAAAAAAAAAAAAAAAAAAAAA', 'mer_AAAA')],
      ['an array', `[${canonical}]`],
      ['null', 'null'],
      ['not JSON', canonical.slice(0, -1)],
      ['a trailing byte', `${canonical}\n`],
    ])('rejects %s', (_label, text) => {
      expect(text).not.toBe(canonical);
      expect(failure(() => verifyChain(signText(text)))).toBe('payload');
    });

    it('L12: rejects a payload without exp', () => {
      const text = canonical.replace(/,"exp":\d+/, '');
      expect(text).not.toContain('exp');
      expect(failure(() => verifyChain(signText(text)))).toBe('payload');
    });

    it('L12: rejects exp: null', () => {
      expect(failure(() => verifyChain(signText(canonical.replace(/"exp":\d+/, '"exp":null'))))).toBe('payload');
    });
  });

  describe('time rules (checkTimes)', () => {
    it('L9: now == exp is expired, exp − 1 is valid', () => {
      const p = payload({ iat: NOW - 100, exp: NOW });
      expect(failure(() => checkTimes(p, NOW))).toBe('expired');
      expect(failure(() => checkTimes(p, NOW - 1))).toBe('no error');
      expect(failure(() => checkTimes(p, NOW + 1))).toBe('expired');
    });

    it('L10: a lifetime of 86,401 s is invalid even under a valid MAC; 86,400 is valid', () => {
      expect(failure(() => checkTimes(payload({ iat: NOW, exp: NOW + 86_401 }), NOW))).toBe('lifetime');
      expect(failure(() => checkTimes(payload({ iat: NOW, exp: NOW + 86_400 }), NOW))).toBe('no error');
      expect(failure(() => verifyChain(signPortalLink(SECRET, KID, payload({ iat: NOW, exp: NOW + 86_401 }))))).toBe('lifetime');
    });

    it('rejects exp at or before iat', () => {
      expect(failure(() => checkTimes(payload({ iat: NOW, exp: NOW }), NOW - 10))).toBe('lifetime');
      expect(failure(() => checkTimes(payload({ iat: NOW, exp: NOW - 5 }), NOW - 10))).toBe('lifetime');
    });

    it('L11: iat 61 s in the future is invalid, 59 s is valid', () => {
      expect(failure(() => checkTimes(payload({ iat: NOW + 61, exp: NOW + 61 + 3600 }), NOW))).toBe('not_yet_valid');
      expect(failure(() => checkTimes(payload({ iat: NOW + 59, exp: NOW + 59 + 3600 }), NOW))).toBe('no error');
      expect(failure(() => checkTimes(payload({ iat: NOW + 60, exp: NOW + 60 + 3600 }), NOW))).toBe('no error');
    });
  });

  describe('L14: purpose binding', () => {
    const text = canonicalPayload(payload());

    it.each(['portal_session.v1', 'csrf.v1', 'idempotency-fingerprint.v1', 'portal_link.v2', 'portal_link', ''])('a MAC computed for purpose %p is bad', (purpose) => {
      expect(failure(() => verifyChain(signText(text, purpose)))).toBe('bad_mac');
    });

    it('a MAC over the payload alone (no purpose, no kid) is bad', () => {
      const payloadB64 = Buffer.from(text).toString('base64url');
      const mac = createHmac('sha256', SECRET).update(payloadB64).digest('base64url');
      expect(failure(() => verifyChain(`pl1.${KID}.${payloadB64}.${mac}`))).toBe('bad_mac');
    });

    it('the kid is bound into the MAC: the same MAC under another kid is bad', () => {
      const [, , body, mac] = signPortalLink(SECRET, KID, payload()).split('.');
      expect(failure(() => verifyChain(`pl1.lk_fedcba9876543210.${body}.${mac}`))).toBe('bad_mac');
    });
  });
});
