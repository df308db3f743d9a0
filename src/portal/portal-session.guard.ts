import type {} from '@fastify/cookie';
import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors';
import { PortalSessionService, SESSION_COOKIE, type PortalContext } from './portal-session.service';

type PortalRequest = FastifyRequest & { portal?: PortalContext };

const SAFE_METHODS = new Set(['GET', 'HEAD']);

// Every /portal route: a live session, and for state-changing requests a session-bound CSRF
// token plus a Fetch Metadata / Origin check.
@Injectable()
export class PortalSessionGuard implements CanActivate {
  constructor(private readonly sessions: PortalSessionService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const request = ctx.switchToHttp().getRequest<PortalRequest>();
    const portal = await this.sessions.resolve(request.cookies?.[SESSION_COOKIE]);
    if (!portal) throw new DomainError('portal_session_required', 'Your billing session has ended. Open a fresh link from the merchant to continue.');
    if (!SAFE_METHODS.has(request.method)) {
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (!isSameOriginRequest(request, portal.session.embed) || !this.sessions.checkCsrf(portal.session, body._csrf)) {
        throw new DomainError('csrf_failed', 'This form expired or came from another site. Reload the page and try again.');
      }
    }
    request.portal = portal;
    return true;
  }
}

export function isSameOriginRequest(request: FastifyRequest, _embed: boolean): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  return typeof host === 'string' && (origin === `https://${host}` || origin === `http://${host}`);
}

export const Portal = createParamDecorator((_data: unknown, ctx: ExecutionContext): PortalContext => {
  const portal = ctx.switchToHttp().getRequest<PortalRequest>().portal;
  if (!portal) throw new Error('route has no portal session');
  return portal;
});
