import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { isExpired, openWindow, touchWindow } from '../common/session-window';
import { deriveKey, hmacSha256, safeEqual } from '../common/crypto/keys';
import type { Tenant } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import type { MerchantEntity } from '../merchants/merchant.entity';
import { MerchantRepository } from '../merchants/merchant.repository';
import { DashboardSessionEntity } from './dashboard-session.entity';
import { DashboardSessionRepository } from './dashboard-session.repository';
import type { DashboardUserEntity } from './dashboard-user.entity';
import { DashboardUserRepository } from './dashboard-user.repository';

export const DASHBOARD_COOKIE = '__Host-dashboard_sid';
// Holds the nonce behind the sign-in form's CSRF token (there is no session yet to bind it to).
export const SIGN_IN_COOKIE = '__Host-dashboard_signin';
const IDLE_MS = 30 * 60 * 1000;
const ABSOLUTE_MS = 12 * 60 * 60 * 1000;
const TOUCH_AFTER_MS = 60 * 1000;

export interface DashboardContext {
  session: DashboardSessionEntity;
  user: DashboardUserEntity;
  merchant: MerchantEntity;
  tenant: Tenant;
  csrfToken: string;
}

// Server-side staff sessions, built like the portal's: 256 random bits in the cookie, their keyed
// hash in the table, idle and absolute timeouts, and a CSRF token bound to the session.
@Injectable()
export class DashboardSessionService {
  private readonly sessionKey: Buffer;
  private readonly csrfKey: Buffer;

  constructor(
    private readonly sessions: DashboardSessionRepository,
    private readonly users: DashboardUserRepository,
    private readonly merchants: MerchantRepository,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.sessionKey = deriveKey(config.env.MASTER_KEY, 'portal_session', 'dashboard');
    this.csrfKey = deriveKey(config.env.MASTER_KEY, 'csrf', 'dashboard');
  }

  async create(user: DashboardUserEntity): Promise<{ sid: string; session: DashboardSessionEntity }> {
    const now = this.clock.now();
    const sid = randomBytes(32).toString('base64url');
    const absolute = now.getTime() + ABSOLUTE_MS;
    const session = await this.sessions.insert(
      Object.assign(new DashboardSessionEntity(), {
        idHash: this.hash(sid),
        userId: user.id,
        merchantId: user.merchantId,
        livemode: false,
        csrfSecret: randomBytes(16).toString('base64url'),
        createdAt: now,
        ...openWindow(now, IDLE_MS, absolute),
      }),
    );
    return { sid, session };
  }

  // null when there is no session or it ran out; an expired session is deleted server-side.
  async resolve(sid: string | undefined): Promise<DashboardContext | null> {
    if (!sid || sid.length > 100) return null;
    const idHash = this.hash(sid);
    const session = await this.sessions.findByHash(idHash);
    if (!session) return null;
    const now = this.clock.now();
    const [user, merchant] = await Promise.all([this.users.getById(session.merchantId, session.userId), this.merchants.getById(session.merchantId)]);
    if (isExpired(session, now) || !user || user.disabledAt || !merchant || merchant.status !== 'active') {
      await this.sessions.delete(idHash);
      return null;
    }
    await touchWindow(session, now, { idleMs: IDLE_MS, touchAfterMs: TOUCH_AFTER_MS }, (seen, idle) => this.sessions.touch(idHash, seen, idle));
    return { session, user, merchant, tenant: { merchantId: session.merchantId, livemode: session.livemode }, csrfToken: this.csrfToken(session) };
  }

  async setMode(ctx: DashboardContext, livemode: boolean): Promise<void> {
    await this.sessions.setMode(ctx.session.idHash, livemode);
  }

  async end(ctx: DashboardContext): Promise<void> {
    await this.sessions.delete(ctx.session.idHash);
  }

  async destroy(sid: string | undefined): Promise<void> {
    if (sid && sid.length <= 100) await this.sessions.delete(this.hash(sid));
  }

  async endOthers(ctx: DashboardContext): Promise<number> {
    return this.sessions.deleteOthers(ctx.user.id, ctx.session.idHash);
  }

  csrfToken(session: DashboardSessionEntity): string {
    return hmacSha256(this.csrfKey, `session.${session.idHash}.${session.csrfSecret}`).toString('base64url');
  }

  checkCsrf(session: DashboardSessionEntity, token: unknown): boolean {
    return this.tokenMatches(token, this.csrfToken(session));
  }

  // Sign-in form: a signed double-submit token over a random nonce held in its own cookie.
  newSignInNonce(): string {
    return randomBytes(18).toString('base64url');
  }

  signInToken(nonce: string): string {
    return hmacSha256(this.csrfKey, `sign-in.${nonce}`).toString('base64url');
  }

  checkSignInToken(nonce: unknown, token: unknown): boolean {
    if (typeof nonce !== 'string' || nonce.length < 16 || nonce.length > 64) return false;
    return this.tokenMatches(token, this.signInToken(nonce));
  }

  private tokenMatches(token: unknown, expected: string): boolean {
    if (typeof token !== 'string' || token.length > 100) return false;
    return safeEqual(Buffer.from(token), Buffer.from(expected));
  }

  private hash(sid: string): string {
    return hmacSha256(this.sessionKey, sid).toString('hex');
  }
}

// __Host- prefix: Secure, Path=/, no Domain. Lax: a link from an email or chat still opens the
// dashboard signed in, while cross-site POSTs carry no cookie.
export function dashboardCookie(sid: string): string {
  return `${DASHBOARD_COOKIE}=${sid}; Path=/; Secure; HttpOnly; SameSite=Lax`;
}

export function clearDashboardCookie(): string {
  return `${DASHBOARD_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`;
}

export function signInCookie(nonce: string): string {
  return `${SIGN_IN_COOKIE}=${nonce}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600`;
}

export function clearSignInCookie(): string {
  return `${SIGN_IN_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`;
}
