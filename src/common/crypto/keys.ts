import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

// One key per purpose, derived from MASTER_KEY, so a value minted for one purpose never verifies for another.
export type KeyPurpose = 'api-key-pepper' | 'portal_link' | 'portal_session' | 'csrf' | 'idempotency-fingerprint' | 'column-cipher' | 'pii-blind-index';

export function deriveKey(master: Buffer, purpose: KeyPurpose, context = ''): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `billfold.v1|${purpose}|${context}`, 32));
}

export function hmacSha256(key: Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

// Length is checked first because timingSafeEqual throws on a length mismatch.
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
