import { createHmac, timingSafeEqual } from 'node:crypto';

// Token: pl1.<kid>.<b64url(payload)>.<b64url(mac)>, mac = HMAC-SHA256(linkSecret, "portal_link.v1." + kid + "." + payloadB64).
// The MAC covers the exact transmitted payload bytes; the payload must also be the canonical
// JSON of its own fields (fixed key order, no whitespace), so duplicate or unknown keys never verify.
// This file has no dependencies beyond node:crypto so merchants can copy it to mint links offline.

export const TOKEN_VERSION = 'pl1';
export const MAC_PURPOSE = 'portal_link.v1';
export const MAX_TOKEN_LENGTH = 512;
export const MAX_LIFETIME_SECONDS = 86_400;
export const MAX_IAT_SKEW_SECONDS = 60;

export type PortalScope = 'read' | 'pay' | 'manage' | 'profile' | 'wallets';
export const PORTAL_SCOPES: readonly PortalScope[] = ['read', 'pay', 'manage', 'profile', 'wallets'];

export interface PortalLinkPayload {
  v: 1;
  mid: string; // merchant id
  cid: string; // customer id
  iat: number; // issued at, epoch seconds
  exp: number; // expiry, epoch seconds
  jti: string; // link id
  epoch: number; // the customer's portal_token_epoch at mint time
  scp: PortalScope[]; // what the session may do
  pg: string | null; // deep link: subscriptions | invoice:<id> | pay:<id> | wallets | profile | cancel:<id>
  ret: string | null; // return URL
  su: boolean; // single use
  emb: boolean; // embed mode
}

const KEY_ORDER = ['v', 'mid', 'cid', 'iat', 'exp', 'jti', 'epoch', 'scp', 'pg', 'ret', 'su', 'emb'] as const;
const KID_PATTERN = /^[A-Za-z0-9_]{4,40}$/;
const B64URL_PATTERN = /^[A-Za-z0-9_-]+$/;
const ID_PATTERN = /^[a-z]{2,5}_[0-9A-Za-z]{22}$/;

export function canonicalPayload(p: PortalLinkPayload): string {
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) ordered[key] = p[key];
  return JSON.stringify(ordered);
}

function macOf(secret: Buffer, kid: string, payloadB64: string): Buffer {
  return createHmac('sha256', secret).update(`${MAC_PURPOSE}.${kid}.${payloadB64}`).digest();
}

export function signPortalLink(secret: Buffer, kid: string, payload: PortalLinkPayload): string {
  if (!KID_PATTERN.test(kid)) throw new Error('invalid kid');
  const payloadB64 = Buffer.from(canonicalPayload(payload), 'utf8').toString('base64url');
  return `${TOKEN_VERSION}.${kid}.${payloadB64}.${macOf(secret, kid, payloadB64).toString('base64url')}`;
}

export type LinkFailure = 'format' | 'unknown_kid' | 'bad_mac' | 'payload' | 'expired' | 'not_yet_valid' | 'lifetime' | 'wrong_merchant' | 'revoked' | 'spent' | 'customer';

export class PortalLinkInvalid extends Error {
  constructor(readonly reason: LinkFailure) {
    super(`portal link invalid: ${reason}`);
    this.name = 'PortalLinkInvalid';
  }
}

export interface ParsedToken {
  kid: string;
  payloadB64: string;
  mac: Buffer;
}

// Only canonical, unpadded base64url: re-encoding must give back the same characters,
// which rules out padding, the +/ alphabet, whitespace and non-zero trailing bits.
function strictB64url(segment: string): Buffer | null {
  if (!B64URL_PATTERN.test(segment)) return null;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : null;
}

export function parseToken(token: unknown): ParsedToken {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw new PortalLinkInvalid('format');
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== TOKEN_VERSION || !KID_PATTERN.test(parts[1])) throw new PortalLinkInvalid('format');
  const mac = strictB64url(parts[3]);
  if (!mac || !strictB64url(parts[2])) throw new PortalLinkInvalid('format');
  return { kid: parts[1], payloadB64: parts[2], mac };
}

// Length first: timingSafeEqual throws on a length mismatch.
export function verifyMac(secret: Buffer, parsed: ParsedToken): boolean {
  const expected = macOf(secret, parsed.kid, parsed.payloadB64);
  return parsed.mac.length === expected.length && timingSafeEqual(parsed.mac, expected);
}

export function decodePayload(payloadB64: string): PortalLinkPayload {
  let value: unknown;
  const text = Buffer.from(payloadB64, 'base64url').toString('utf8');
  try {
    value = JSON.parse(text);
  } catch {
    throw new PortalLinkInvalid('payload');
  }
  if (!isPayload(value) || canonicalPayload(value) !== text) throw new PortalLinkInvalid('payload');
  return value;
}

function isPayload(v: unknown): v is PortalLinkPayload {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const p = v as Record<string, unknown>;
  if (Object.keys(p).length !== KEY_ORDER.length) return false;
  return (
    p.v === 1 &&
    typeof p.mid === 'string' && ID_PATTERN.test(p.mid) &&
    typeof p.cid === 'string' && ID_PATTERN.test(p.cid) &&
    Number.isSafeInteger(p.iat) && Number.isSafeInteger(p.exp) &&
    typeof p.jti === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(p.jti) &&
    Number.isSafeInteger(p.epoch) && (p.epoch as number) >= 0 &&
    Array.isArray(p.scp) && p.scp.length > 0 && p.scp.every((s) => PORTAL_SCOPES.includes(s as PortalScope)) && new Set(p.scp).size === p.scp.length &&
    (p.pg === null || (typeof p.pg === 'string' && p.pg.length <= 64)) &&
    (p.ret === null || (typeof p.ret === 'string' && p.ret.length <= 2048)) &&
    typeof p.su === 'boolean' &&
    typeof p.emb === 'boolean'
  );
}

// Time rules: exp is mandatory and exclusive, lifetime ≤ 24 h even under a valid MAC, iat at most 60 s ahead.
export function checkTimes(p: PortalLinkPayload, nowSeconds: number): void {
  if (p.exp - p.iat > MAX_LIFETIME_SECONDS || p.exp <= p.iat) throw new PortalLinkInvalid('lifetime');
  if (p.iat > nowSeconds + MAX_IAT_SKEW_SECONDS) throw new PortalLinkInvalid('not_yet_valid');
  if (nowSeconds >= p.exp) throw new PortalLinkInvalid('expired');
}
