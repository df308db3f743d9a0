import { Injectable } from '@nestjs/common';
import { AuditRepository } from '../audit/audit.repository';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import type { Actor } from '../common/tenant';
import { Db } from '../database/db.service';
import { RateLimiter, type RateLimit } from '../infra/rate-limiter';
import type { FormBody } from './settings-form';
import { FormRejected } from './dashboard-error.filter';
import { DashboardLayoutService } from './dashboard-layout.service';
import { DashboardSessionService, type DashboardContext } from './dashboard-session.service';
import { DashboardUserRepository } from './dashboard-user.repository';
import { safeNext } from './dashboard.dto';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-hash';
import { PasswordHasher } from './password-hasher';

// Attempts per client address, and failures per email (so a botnet cannot guess one account's
// password from many addresses).
export const SIGN_IN_IP: RateLimit = { name: 'dash-signin-ip', limit: 20, windowSeconds: 15 * 60 };
export const SIGN_IN_EMAIL: RateLimit = { name: 'dash-signin-email', limit: 5, windowSeconds: 15 * 60 };

export const WRONG_CREDENTIALS = 'Wrong email or password.';

export class SignInFailed extends DomainError {
  constructor() {
    super('unauthenticated', WRONG_CREDENTIALS);
  }
}

export interface RequestInfo {
  ip: string;
  userAgent: string | null;
  requestId: string;
}

@Injectable()
export class DashboardAuthService {
  constructor(
    private readonly db: Db,
    private readonly users: DashboardUserRepository,
    private readonly sessions: DashboardSessionService,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditRepository,
    private readonly changes: ChangeRecorder,
    private readonly chrome: DashboardLayoutService,
    private readonly clock: Clock,
    private readonly passwords: PasswordHasher,
  ) {}

  // One answer for an unknown email and a wrong password, in about the same time.
  async signIn(email: string, password: string, request: RequestInfo, previousSid: string | undefined): Promise<{ sid: string; mustChangePassword: boolean }> {
    const normalized = email.trim().toLowerCase().slice(0, 254);
    await this.limiter.hit(SIGN_IN_IP, request.ip);
    await this.limiter.check(SIGN_IN_EMAIL, normalized);
    const user = normalized ? await this.users.findByEmail(normalized) : null;
    const ok = await this.passwords.verify(password, user?.passwordHash ?? (await this.passwords.dummyHash()));
    if (!user || !ok || user.disabledAt) {
      await this.limiter.count(SIGN_IN_EMAIL, normalized);
      if (user) {
        await this.audit.record({ merchantId: user.merchantId, livemode: false }, this.actor(user.id, request), {
          action: 'dashboard.sign_in',
          targetType: 'dashboard_user',
          targetId: user.id,
          outcome: 'denied',
        });
      }
      throw new SignInFailed();
    }
    // Never keep an id the browser brought with it (session fixation).
    await this.sessions.destroy(previousSid);
    const { sid } = await this.db.transaction(async () => {
      const created = await this.sessions.create(user);
      await this.users.signedIn(user.merchantId, user.id, this.clock.now());
      await this.changes.record({ merchantId: user.merchantId, livemode: false }, this.actor(user.id, request), {
        action: 'dashboard.sign_in',
        eventType: null,
        targetType: 'dashboard_user',
        targetId: user.id,
        object: {},
      });
      return created;
    });
    return { sid, mustChangePassword: user.mustChangePassword };
  }

  async signOut(ctx: DashboardContext, request: RequestInfo): Promise<void> {
    await this.db.transaction(async () => {
      await this.sessions.end(ctx);
      await this.changes.record({ merchantId: ctx.user.merchantId, livemode: false }, this.actor(ctx.user.id, request), {
        action: 'dashboard.sign_out',
        eventType: null,
        targetType: 'dashboard_user',
        targetId: ctx.user.id,
        object: {},
      });
    });
  }

  // The sign-in form's CSRF token is bound to a nonce cookie; an existing nonce is kept so two
  // open sign-in tabs both work. No brand: the shared layout then shows a neutral header.
  signInPage(existingNonce: string | undefined, extra: { next?: string; email?: string; error?: string; notice?: string | null }) {
    const reusable = !!existingNonce && /^[A-Za-z0-9_-]{16,64}$/.test(existingNonce);
    const nonce = reusable ? existingNonce : this.sessions.newSignInNonce();
    return {
      newNonce: reusable ? null : nonce,
      model: {
        title: 'Sign in',
        signInToken: this.sessions.signInToken(nonce),
        next: extra.next && safeNext(extra.next) === extra.next ? extra.next : null,
        email: extra.email ?? '',
        error: extra.error ?? null,
        notice: extra.notice ?? null,
      },
    };
  }

  async passwordPage(ctx: DashboardContext, errors: Record<string, string> = {}) {
    return {
      ...(await this.chrome.layout(ctx, 'account', ctx.user.mustChangePassword ? 'Choose a new password' : 'Change password')),
      forced: ctx.user.mustChangePassword,
      errors,
      hasErrors: Object.keys(errors).length > 0,
    };
  }

  // A refused change re-renders the form with its field errors (FormRejected, 400).
  async changePassword(ctx: DashboardContext, body: FormBody, request: RequestInfo): Promise<void> {
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
    const input = { current: text('currentPassword'), next: text('newPassword'), confirm: text('confirmPassword') };
    const errors: Record<string, string> = {};
    if (input.next.length < MIN_PASSWORD_LENGTH || input.next.length > MAX_PASSWORD_LENGTH) errors.newPassword = `Use ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`;
    else if (input.next === input.current) errors.newPassword = 'Choose a password different from the current one.';
    if (input.confirm !== input.next) errors.confirmPassword = 'The two new passwords differ.';
    await this.limiter.check(SIGN_IN_EMAIL, ctx.user.email);
    if (!(await this.passwords.verify(input.current, ctx.user.passwordHash))) {
      await this.limiter.count(SIGN_IN_EMAIL, ctx.user.email);
      errors.currentPassword = 'That is not your current password.';
    }
    if (Object.keys(errors).length) throw new FormRejected('dashboard/password.hbs', await this.passwordPage(ctx, errors));
    const hash = await this.passwords.hash(input.next);
    await this.db.transaction(async () => {
      await this.users.setPassword(ctx.user.merchantId, ctx.user.id, hash);
      await this.sessions.endOthers(ctx);
      await this.changes.record({ merchantId: ctx.user.merchantId, livemode: false }, this.actor(ctx.user.id, request), {
        action: 'dashboard_user.password_change',
        eventType: null,
        targetType: 'dashboard_user',
        targetId: ctx.user.id,
        object: {},
      });
    });
  }

  private actor(userId: string, request: RequestInfo): Actor {
    return { type: 'dashboard', id: userId, initiator: 'dashboard', requestId: request.requestId, ip: request.ip, userAgent: request.userAgent };
  }
}
