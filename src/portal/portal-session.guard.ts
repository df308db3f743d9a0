import type {} from '@fastify/cookie';
import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { MerchantRepository } from '../merchants/merchant.repository';
import { httpsOrigins } from '../portal-links/portal-link.service';
import { allowFraming } from './portal-http';
import { PortalSessionService, SESSION_COOKIE, type PortalContext } from './portal-session.service';

type PortalRequest = FastifyRequest & { portal?: PortalContext };

const SAFE_METHODS = new Set(['GET', 'HEAD']);

// Every /portal route: a live session, and for state-changing requests a session-bound CSRF
// token plus a Fetch Metadata / Origin check.
@Injectable()
export class PortalSessionGuard implements CanActivate {
  private readonly portalOrigin: string;

  constructor(
    private readonly sessions: PortalSessionService,
    private readonly merchants: MerchantRepository,
    config: AppConfig,
  ) {
    this.portalOrigin = portalOriginOf(config);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const request = ctx.switchToHttp().getRequest<PortalRequest>();
    const portal = await this.sessions.resolve(request.cookies?.[SESSION_COOKIE]);
    if (!portal) throw new DomainError('portal_session_required', 'Your billing session has ended. Open a fresh link from the merchant to continue.');
    if (portal.session.embed) {
      // Read per request, so an origin the merchant removes stops framing at once; only this
      // session's merchant's origins ever reach its responses.
      const merchant = await this.merchants.getById(portal.session.merchantId);
      allowFraming(ctx.switchToHttp().getResponse<FastifyReply>(), httpsOrigins(merchant?.embedOrigins ?? []));
    }
    if (!SAFE_METHODS.has(request.method)) {
      const body = (request.body ?? {}) as Record<string, unknown>;
      // Embedded sessions post from inside the iframe, which is on the portal origin too.
      if (!isSameOriginRequest(request, this.portalOrigin) || !this.sessions.checkCsrf(portal.session, body._csrf)) {
        throw new DomainError('csrf_failed', 'This form expired or came from another site. Reload the page and try again.');
      }
    }
    request.portal = portal;
    return true;
  }
}

// Fetch Metadata first; browsers without it send Origin on POST, which must be the portal's own
// origin (from PUBLIC_BASE_URL: the Host header is whatever the proxy forwarded); with neither
// header the CSRF token alone decides.
export function isSameOriginRequest(request: FastifyRequest, portalOrigin: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = request.headers.origin;
  return origin === undefined || origin === portalOrigin;
}

export function portalOriginOf(config: AppConfig): string {
  return new URL(config.env.PUBLIC_BASE_URL).origin;
}

export const Portal = createParamDecorator((_data: unknown, ctx: ExecutionContext): PortalContext => {
  const portal = ctx.switchToHttp().getRequest<PortalRequest>().portal;
  if (!portal) throw new Error('route has no portal session');
  return portal;
});
