import type {} from '@fastify/cookie';
import { createParamDecorator, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors';
import type { Principal } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { SCOPES, type Scope } from '../merchants/scopes';
import { isSameOriginRequest, portalOriginOf } from '../portal/portal-session.guard';
import { DASHBOARD_COOKIE, DashboardSessionService, type DashboardContext } from './dashboard-session.service';

export type DashboardRequest = FastifyRequest & { dashboard?: DashboardContext };

const SAFE_METHODS = new Set(['GET', 'HEAD']);
const OWNER_ONLY = 'billfold:dashboard-owner-only';
const PASSWORD_ROUTES = ['/dashboard/password', '/dashboard/sign-out'];

// Settings, API keys and webhook endpoints change how the whole account works: owners only.
export const OwnerOnly = () => SetMetadata(OWNER_ONLY, true);

// Not signed in (or the session ran out): pages redirect to the sign-in form.
export class DashboardSignInRequired extends DomainError {
  constructor() {
    super('unauthenticated', 'Sign in to continue.');
  }
}

// Signed in with an operator-issued one-time password: nothing but choosing a new one.
export class PasswordChangeRequired extends DomainError {
  constructor() {
    super('forbidden', 'Choose a new password to continue.');
  }
}

// Every signed-in /dashboard route: a live session; on state-changing requests the session's
// CSRF token plus the Fetch Metadata / Origin check the portal uses.
@Injectable()
export class DashboardSessionGuard implements CanActivate {
  private readonly origin: string;

  constructor(
    private readonly sessions: DashboardSessionService,
    private readonly reflector: Reflector,
    config: AppConfig,
  ) {
    this.origin = portalOriginOf(config);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const request = ctx.switchToHttp().getRequest<DashboardRequest>();
    const dashboard = await this.sessions.resolve(request.cookies?.[DASHBOARD_COOKIE]);
    if (!dashboard) throw new DashboardSignInRequired();
    if (!SAFE_METHODS.has(request.method)) {
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (!isSameOriginRequest(request, this.origin) || !this.sessions.checkCsrf(dashboard.session, body._csrf)) {
        throw new DomainError('csrf_failed', 'This form expired or came from another site. Reload the page and try again.');
      }
    }
    const path = request.url.split('?')[0];
    if (dashboard.user.mustChangePassword && !PASSWORD_ROUTES.includes(path)) throw new PasswordChangeRequired();
    if (this.reflector.getAllAndOverride<boolean>(OWNER_ONLY, [ctx.getHandler(), ctx.getClass()]) && dashboard.user.role !== 'owner') {
      throw new DomainError('forbidden', 'Only the account owner can do this.');
    }
    request.dashboard = dashboard;
    return true;
  }
}

export const Dashboard = createParamDecorator((_data: unknown, ctx: ExecutionContext): DashboardContext => {
  const dashboard = ctx.switchToHttp().getRequest<DashboardRequest>().dashboard;
  if (!dashboard) throw new Error('route has no dashboard session');
  return dashboard;
});

const STAFF_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== 'api_keys:manage' && s !== 'merchant:write' && s !== 'webhooks:manage');

// The dashboard user acting through the same services the API uses: their changes are audited as
// {type: 'dashboard', id: user id} and announced with initiated_by 'dashboard'.
export const DashboardPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const request = ctx.switchToHttp().getRequest<DashboardRequest>();
  const dashboard = request.dashboard;
  if (!dashboard) throw new Error('route has no dashboard session');
  return {
    ...dashboard.tenant,
    scopes: new Set(dashboard.user.role === 'owner' ? SCOPES : STAFF_SCOPES),
    apiKeyId: null,
    actor: {
      type: 'dashboard',
      id: dashboard.user.id,
      initiator: 'dashboard',
      requestId: String(request.id),
      ip: request.ip,
      userAgent: request.headers['user-agent']?.slice(0, 256) ?? null,
    },
  };
});
