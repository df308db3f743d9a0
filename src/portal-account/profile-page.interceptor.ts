import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import { PortalController } from '../portal/portal.controller';
import type { PortalContext } from '../portal/portal-session.service';
import { PortalAccountService } from './portal-account.service';

// GET /portal/profile belongs to PortalController; its view also offers "Edit" and shows the
// notice after a save, which depend on this module's rules. This adds them to that one page's
// view-model (registered app-wide, it passes every other route through untouched).
@Injectable()
export class ProfilePageInterceptor implements NestInterceptor {
  constructor(private readonly account: PortalAccountService) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http' || ctx.getClass() !== PortalController || ctx.getHandler() !== PortalController.prototype.profile) return next.handle();
    const request = ctx.switchToHttp().getRequest<FastifyRequest & { portal?: PortalContext }>();
    const portal = request.portal;
    if (!portal) return next.handle();
    const done = (request.query as Record<string, unknown> | undefined)?.done;
    return next.handle().pipe(
      mergeMap((data) => from(this.account.profilePageExtras(portal, done).then((account) => (data && typeof data === 'object' ? { ...data, account } : data)))),
    );
  }
}
