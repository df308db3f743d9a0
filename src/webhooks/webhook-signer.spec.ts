import { createPublicKey, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import nacl from 'tweetnacl';
import { ed25519PrivateKey, generateSecret, publicKeyFromSeed, secretBytes, signatureHeader, signV1, signV1a } from './webhook-signer';

const hex = (s: string) => Buffer.from(s, 'hex');

// SPKI DER header of an Ed25519 public key (what a receiver builds from whpk_).
function publicKeyObject(publicKey: Buffer) {
  return createPublicKey({ key: Buffer.concat([hex('302a300506032b6570032100'), publicKey]), format: 'der', type: 'spki' });
}

describe('webhook signatures', () => {
  describe('v1 (HMAC-SHA256)', () => {
    // W1: the Standard Webhooks known-answer vector.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const msgId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const ts = 1614265330;
    const body = '{"test": 2432232314}';
    const expected = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

    it('W1: matches the known answer, and the official library agrees', () => {
      expect(signV1(secretBytes(secret), msgId, ts, Buffer.from(body))).toBe(expected);
      expect(new Webhook(secret).sign(msgId, new Date(ts * 1000), body)).toBe(expected);
    });

    it('reads the key bytes exactly as the official library does (with or without the prefix)', () => {
      const generated = generateSecret();
      expect(generated).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(secretBytes(generated)).toHaveLength(32);
      expect(secretBytes(generated.slice('whsec_'.length))).toEqual(secretBytes(generated));
      const now = Math.floor(Date.now() / 1000);
      const payload = Buffer.from(JSON.stringify({ type: 'customer.created', timestamp: new Date().toISOString(), data: { n: '1' } }));
      const header = signatureHeader({ secrets: [secretBytes(generated)], ed25519: null }, 'evt_x', now, payload);
      expect(() => new Webhook(generated).verify(payload.toString(), { 'webhook-id': 'evt_x', 'webhook-timestamp': String(now), 'webhook-signature': header })).not.toThrow();
    });

    it('refuses secrets outside 24-64 bytes', () => {
      expect(() => secretBytes(`whsec_${Buffer.alloc(16).toString('base64')}`)).toThrow();
      expect(() => secretBytes(`whsec_${Buffer.alloc(65).toString('base64')}`)).toThrow();
    });
  });

  describe('v1a (Ed25519)', () => {
    // W2: RFC 8032 §7.1, test 1.
    const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const publicKey = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
    const signature =
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

    it('W2: RFC 8032 test 1 through tweetnacl and node:crypto', () => {
      const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(seed));
      expect(Buffer.from(pair.publicKey).toString('hex')).toBe(publicKey);
      expect(publicKeyFromSeed(seed).toString('hex')).toBe(publicKey);
      expect(Buffer.from(nacl.sign.detached(new Uint8Array(0), pair.secretKey)).toString('hex')).toBe(signature);
      const key = ed25519PrivateKey(seed);
      expect(publicKeyObject(hex(publicKey)).export({ format: 'der', type: 'spki' })).toEqual(createPublicKey(key).export({ format: 'der', type: 'spki' }));
      expect(sign(null, Buffer.alloc(0), key).toString('hex')).toBe(signature);
    });

    it('W2b: node:crypto and tweetnacl give byte-identical signatures and public keys', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 0, maxLength: 4096 }), (seedBytes, message) => {
          const seedBuffer = Buffer.from(seedBytes);
          const pair = nacl.sign.keyPair.fromSeed(seedBytes);
          // Over exactly the bytes our header signs: "id.ts." then the body.
          const reference = nacl.sign.detached(new Uint8Array(Buffer.concat([Buffer.from('evt_1.1.'), Buffer.from(message)])), pair.secretKey);
          expect(signV1a(ed25519PrivateKey(seedBuffer), 'evt_1', 1, Buffer.from(message))).toBe(`v1a,${Buffer.from(reference).toString('base64')}`);
          expect(publicKeyFromSeed(seedBuffer)).toEqual(Buffer.from(pair.publicKey));
        }),
        { numRuns: 50 },
      );
    });

    it('W7: a malleated signature (S + L) fools tweetnacl verify but not node:crypto, which is what we verify with', () => {
      const key = ed25519PrivateKey(seed);
      const message = Buffer.from('evt_1.1614265330.{"type":"webhook.test"}');
      const sig = Buffer.from(signV1a(key, 'evt_1', 1614265330, Buffer.from('{"type":"webhook.test"}')).slice(4), 'base64');
      const L = (1n << 252n) + 27742317777372353535851937790883648493n;
      const s = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`);
      const forgedS = Buffer.from((s + L).toString(16).padStart(64, '0'), 'hex').reverse();
      const forged = Buffer.concat([sig.subarray(0, 32), forgedS]);
      expect(forged.equals(sig)).toBe(false);
      const pub = publicKeyFromSeed(seed);
      expect(nacl.sign.detached.verify(new Uint8Array(message), new Uint8Array(forged), new Uint8Array(pub))).toBe(true);
      expect(verify(null, message, publicKeyObject(pub), sig)).toBe(true);
      expect(verify(null, message, publicKeyObject(pub), forged)).toBe(false);
    });
  });

  it('the header holds one v1 entry per active secret, then v1a', () => {
    const a = secretBytes(generateSecret());
    const b = secretBytes(generateSecret());
    const header = signatureHeader({ secrets: [a, b], ed25519: ed25519PrivateKey(Buffer.alloc(32, 7)) }, 'evt_1', 1, Buffer.from('{}'));
    const parts = header.split(' ');
    expect(parts.map((p) => p.split(',')[0])).toEqual(['v1', 'v1', 'v1a']);
    expect(parts[0]).toBe(signV1(a, 'evt_1', 1, Buffer.from('{}')));
    expect(parts[1]).toBe(signV1(b, 'evt_1', 1, Buffer.from('{}')));
  });
});
