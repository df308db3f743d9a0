import { randomBytes } from 'node:crypto';
import { deriveKey, hmacSha256, safeEqual } from '../common/crypto/keys';

export const ACCESS_COOKIE = '__Host-portal_access';

// The "email me a link" forms have no session to bind a CSRF token to: a signed double-submit
// token over a random nonce held in its own cookie, bound to the merchant the form posts to.
export class AccessCsrf {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = deriveKey(masterKey, 'csrf', 'portal-access');
  }

  newNonce(): string {
    return randomBytes(18).toString('base64url');
  }

  token(slug: string, nonce: string): string {
    return hmacSha256(this.key, `portal-access.${slug}.${nonce}`).toString('base64url');
  }

  check(slug: string, nonce: unknown, token: unknown): boolean {
    if (typeof nonce !== 'string' || nonce.length < 16 || nonce.length > 64) return false;
    if (typeof token !== 'string' || token.length > 100) return false;
    return safeEqual(Buffer.from(token), Buffer.from(this.token(slug, nonce)));
  }

  // The link-failure page must not set cookies (a failure leaves no state behind), so its form
  // carries a signed, hour-long token bound to the merchant instead; the POST then also requires
  // Sec-Fetch-Site: same-origin or the portal's own Origin (a header, not just their absence).
  pageToken(slug: string, nowSeconds: number): string {
    const mac = hmacSha256(this.key, `portal-access-page.${slug}.${nowSeconds}`).toString('base64url');
    return `p.${nowSeconds}.${mac}`;
  }

  checkPageToken(slug: string, token: unknown, nowSeconds: number): boolean {
    if (typeof token !== 'string' || token.length > 100) return false;
    const match = /^p\.(\d{1,12})\.[A-Za-z0-9_-]{43}$/.exec(token);
    if (!match) return false;
    const issued = Number(match[1]);
    if (issued > nowSeconds + 60 || nowSeconds - issued > 3600) return false;
    return safeEqual(Buffer.from(token), Buffer.from(this.pageToken(slug, issued)));
  }

  // Keeps a well-formed nonce the browser already holds, so two open forms both stay valid.
  form(slug: string, existing: string | undefined): { nonce: string; fresh: boolean; csrfToken: string } {
    const reusable = typeof existing === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(existing);
    const nonce = reusable ? existing : this.newNonce();
    return { nonce, fresh: !reusable, csrfToken: this.token(slug, nonce) };
  }
}

// __Host- prefix: Secure, Path=/, no Domain. Strict: only a same-site page can post the form with it.
export function accessCookie(nonce: string): string {
  return `${ACCESS_COOKIE}=${nonce}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600`;
}
