import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { isExpired, openWindow, touchWindow } from '../common/session-window';
import { deriveKey, hmacSha256, safeEqual } from '../common/crypto/keys';
import type { Tenant } from '../common/tenant';
import type { VerifiedLink } from '../portal-links/portal-link.service';
import { PortalSessionEntity } from '../portal-links/portal-session.entity';
import { PortalSessionRepository } from '../portal-links/portal-session.repository';

export const SESSION_COOKIE = '__Host-portal_sid';
const IDLE_MS = 30 * 60 * 1000;
const ABSOLUTE_MS = 8 * 60 * 60 * 1000;
const TOUCH_AFTER_MS = 60 * 1000;

export interface PortalContext {
  session: PortalSessionEntity;
  tenant: Tenant;
  customerId: string;
  csrfToken: string;
}

// Server-side sessions: the cookie holds 256 random bits, the table only their keyed hash.
@Injectable()
export class PortalSessionService {
  private readonly sessionKey: Buffer;
  private readonly csrfKey: Buffer;

  constructor(
    private readonly sessions: PortalSessionRepository,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.sessionKey = deriveKey(config.env.MASTER_KEY, 'portal_session');
    this.csrfKey = deriveKey(config.env.MASTER_KEY, 'csrf');
  }

  async create(link: VerifiedLink): Promise<{ sid: string; session: PortalSessionEntity }> {
    const now = this.clock.now();
    const sid = randomBytes(32).toString('base64url');
    const absolute = Math.min(now.getTime() + ABSOLUTE_MS, link.payload.exp * 1000);
    const session = await this.sessions.insert(
      Object.assign(new PortalSessionEntity(), {
        idHash: this.hash(sid),
        merchantId: link.merchant.id,
        livemode: link.customer.livemode,
        customerId: link.customer.id,
        linkId: link.payload.jti,
        scopes: link.payload.scp,
        returnUrl: link.payload.ret,
        embed: link.payload.emb,
        csrfSecret: randomBytes(16).toString('base64url'),
        createdAt: now,
        ...openWindow(now, IDLE_MS, absolute),
      }),
    );
    return { sid, session };
  }

  // null when there is no session, or it ran out (then it is deleted server-side).
  async resolve(sid: string | undefined): Promise<PortalContext | null> {
    if (!sid || sid.length > 100) return null;
    const idHash = this.hash(sid);
    const found = await this.sessions.findWithAccountState(idHash);
    if (!found) return null;
    const { session } = found;
    const now = this.clock.now();
    if (isExpired(session, now) || !found.accountActive) {
      await this.sessions.delete(idHash);
      return null;
    }
    await touchWindow(session, now, { idleMs: IDLE_MS, touchAfterMs: TOUCH_AFTER_MS }, (seen, idle) => this.sessions.touch(idHash, seen, idle));
    return {
      session,
      tenant: { merchantId: session.merchantId, livemode: session.livemode },
      customerId: session.customerId,
      csrfToken: this.csrfToken(session),
    };
  }

  async end(ctx: PortalContext): Promise<void> {
    await this.sessions.delete(ctx.session.idHash);
  }

  async destroy(sid: string | undefined): Promise<void> {
    if (sid) await this.sessions.delete(this.hash(sid));
  }

  csrfToken(session: PortalSessionEntity): string {
    return hmacSha256(this.csrfKey, `${session.idHash}.${session.csrfSecret}`).toString('base64url');
  }

  checkCsrf(session: PortalSessionEntity, token: unknown): boolean {
    if (typeof token !== 'string' || token.length > 100) return false;
    return safeEqual(Buffer.from(token), Buffer.from(this.csrfToken(session)));
  }

  private hash(sid: string): string {
    return hmacSha256(this.sessionKey, sid).toString('hex');
  }
}
