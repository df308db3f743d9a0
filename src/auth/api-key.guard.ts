import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors';
import type { Principal } from '../common/tenant';
import { ApiKeyService, unauthenticated } from '../merchants/api-key.service';
import type { Scope } from '../merchants/scopes';
import { PUBLIC_KEY, SCOPE_KEY } from './auth.decorators';

// Global guard, default deny: a route is reachable only if it is @Public or declares a scope.
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(SCOPE_KEY, targets);
    if (!scope) throw new DomainError('forbidden', 'This route is not available');

    const request = ctx.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/.exec(header) : null;
    if (!match) throw unauthenticated();
    const principal = await this.apiKeys.authenticate(match[1]);
    if (!principal.scopes.has(scope)) throw new DomainError('insufficient_scope', `This API key lacks the ${scope} scope`);

    principal.actor.requestId = String(request.id);
    principal.actor.ip = request.ip;
    principal.actor.userAgent = request.headers['user-agent']?.slice(0, 256) ?? null;
    request.principal = principal;
    return true;
  }
}
