import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '../common/tenant';
import type { Scope } from '../merchants/scopes';

export const SCOPE_KEY = 'billfold:scope';
export const PUBLIC_KEY = 'billfold:public';

// A merchant API route: needs a valid API key holding this scope.
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE_KEY, scope);

// A route that authenticates some other way (health, docs, portal session) or not at all.
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<{ principal?: Principal }>().principal;
  if (!principal) throw new Error('route has no authenticated principal');
  return principal;
});
