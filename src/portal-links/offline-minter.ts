import { randomBytes } from 'node:crypto';
import { MAX_TOKEN_LENGTH, signPortalLink, type PortalLinkPayload, type PortalScope } from './portal-link.signer';

// Mints the same tokens as POST /api/v1/portal-links, in the merchant's own backend, with no
// network call. Copy this file and portal-link.signer.ts (both depend only on node:crypto).

export interface OfflineLinkOptions {
  linkSecret: string; // "lsk1.<kid>.<secret>" from GET /api/v1/merchant/link-secret
  baseUrl: string; // the Billfold PUBLIC_BASE_URL
  merchantId: string;
  customerId: string;
  customerEpoch?: number; // the customer's portalTokenEpoch (0 unless links were revoked)
  expiresInSeconds?: number; // ≤ 86,400
  scopes?: PortalScope[];
  initialPage?: string | null;
  returnUrl?: string | null;
  singleUse?: boolean;
  embed?: boolean;
  now?: Date;
}

export function formatLinkSecret(kid: string, secret: Buffer): string {
  return `lsk1.${kid}.${secret.toString('base64url')}`;
}

export function parseLinkSecret(linkSecret: string): { kid: string; secret: Buffer } {
  const m = /^lsk1\.([A-Za-z0-9_]{4,40})\.([A-Za-z0-9_-]{43})$/.exec(linkSecret);
  if (!m) throw new Error('not a Billfold link secret (expected lsk1.<kid>.<secret>)');
  return { kid: m[1], secret: Buffer.from(m[2], 'base64url') };
}

export function mintPortalLinkOffline(options: OfflineLinkOptions): { url: string; token: string; expiresAt: Date } {
  const { kid, secret } = parseLinkSecret(options.linkSecret);
  const lifetime = options.expiresInSeconds ?? 86_400;
  if (!Number.isInteger(lifetime) || lifetime < 60 || lifetime > 86_400) throw new Error('expiresInSeconds must be 60..86400');
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const payload: PortalLinkPayload = {
    v: 1,
    mid: options.merchantId,
    cid: options.customerId,
    iat,
    exp: iat + lifetime,
    jti: `ol_${randomBytes(16).toString('base64url')}`,
    epoch: options.customerEpoch ?? 0,
    scp: options.scopes ?? ['read', 'pay', 'manage', 'profile', 'wallets'],
    pg: options.initialPage ?? null,
    ret: options.returnUrl ?? null,
    su: options.singleUse ?? false,
    emb: options.embed ?? false,
  };
  const token = signPortalLink(secret, kid, payload);
  // Billfold refuses longer tokens, so fail here rather than hand out a link that never opens.
  if (token.length > MAX_TOKEN_LENGTH) throw new Error(`the link would exceed ${MAX_TOKEN_LENGTH} characters; use a shorter returnUrl or initialPage`);
  return { url: `${options.baseUrl.replace(/\/$/, '')}/p/${token}`, token, expiresAt: new Date(payload.exp * 1000) };
}
