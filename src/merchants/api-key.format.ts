import { randomBase62 } from '../common/ids';

// sk_<mode>_ + 32 base62 (≥190 bits) + 6-char base62 CRC32 of the rest: a typo or a truncated
// paste is rejected before any database lookup.
const BODY_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = /^sk_(test|live)_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(input: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(input, 'utf8')) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function base62Fixed(value: number, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

export function generateApiKey(livemode: boolean): string {
  const head = `sk_${livemode ? 'live' : 'test'}_${randomBase62(BODY_LENGTH)}`;
  return head + base62Fixed(crc32(head), CHECKSUM_LENGTH);
}

export interface ParsedApiKey {
  livemode: boolean;
  key: string;
}

export function parseApiKey(candidate: string): ParsedApiKey | null {
  if (candidate.length !== 8 + BODY_LENGTH + CHECKSUM_LENGTH) return null;
  const m = KEY_PATTERN.exec(candidate);
  if (!m) return null;
  const head = candidate.slice(0, -CHECKSUM_LENGTH);
  if (base62Fixed(crc32(head), CHECKSUM_LENGTH) !== m[3]) return null;
  return { livemode: m[1] === 'live', key: candidate };
}
