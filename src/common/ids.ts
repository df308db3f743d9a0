import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type IdPrefix = 'mer' | 'key' | 'cus' | 'plan' | 'price' | 'sub' | 'inv' | 'pay' | 'clm' | 'evt' | 'aud' | 'we' | 'pl';

// Rejection sampling keeps every character uniform over the 62-symbol alphabet.
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(22)}`;
}

export const ID_PATTERN = /^[a-z]{2,5}_[0-9A-Za-z]{22}$/;
