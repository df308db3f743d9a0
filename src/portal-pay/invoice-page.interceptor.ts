import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { RENDER_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import type { PortalContext } from '../portal/portal-session.service';
import { PortalPayService } from './portal-pay.service';

export const INVOICE_TEMPLATE = 'portal/invoice.hbs';

type PortalRequest = FastifyRequest & { portal?: PortalContext; params: { id?: string }; query: { done?: unknown } };

// The invoice page belongs to the portal's read-only pages; paying, claiming and the PDF link are
// this feature's. Rather than the portal depending on payments, this adds a `pay` block to the
// view-model of whichever handler renders the invoice template (after its guard has resolved the
// session, so the block is computed for that session's customer only).
@Injectable()
export class InvoicePageInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly pay: PortalPayService,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http' || this.reflector.get<string>(RENDER_METADATA, ctx.getHandler()) !== INVOICE_TEMPLATE) return next.handle();
    const request = ctx.switchToHttp().getRequest<PortalRequest>();
    const portal = request.portal;
    const id = request.params?.id;
    if (!portal || !id) return next.handle();
    const done = typeof request.query?.done === 'string' ? request.query.done : undefined;
    return next.handle().pipe(
      mergeMap((data) =>
        data && typeof data === 'object' && !Array.isArray(data) ? from(this.pay.invoicePanel(portal, id, done).then((pay) => ({ ...(data as object), pay }))) : from([data]),
      ),
    );
  }
}
