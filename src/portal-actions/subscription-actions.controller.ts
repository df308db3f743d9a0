import { Body, Controller, Get, HttpCode, Injectable, Param, Post, Query, Render, Res, UseGuards, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, switchMap, type Observable } from 'rxjs';
import { Public } from '../auth/auth.decorators';
import { PortalController } from '../portal/portal.controller';
import { CsrfOnlyDto } from '../portal/portal.dto';
import { Portal, PortalSessionGuard } from '../portal/portal-session.guard';
import type { PortalContext } from '../portal/portal-session.service';
import { ViewContextInterceptor } from '../portal/view-context.interceptor';
import { CancelFormDto, PauseFormDto, SwitchFormDto, SwitchQueryDto } from './subscription-actions.dto';
import { DONE_MESSAGES, SubscriptionActionsService } from './subscription-actions.service';

// Each POST answers 303 back to the subscription page (post/redirect/get) with a fixed key the
// page turns into a notice; nothing the customer typed goes into the URL.
@ApiExcludeController()
@Public()
@UseGuards(PortalSessionGuard)
@UseInterceptors(ViewContextInterceptor)
@Controller('portal/subscriptions')
export class SubscriptionActionsController {
  constructor(private readonly actions: SubscriptionActionsService) {}

  @Get(':id/cancel')
  @Render('portal/cancel.hbs')
  cancelPage(@Portal() ctx: PortalContext, @Param('id') id: string) {
    return this.actions.cancelPage(ctx, id);
  }

  @Post(':id/cancel')
  @HttpCode(303)
  async cancel(@Portal() ctx: PortalContext, @Param('id') id: string, @Body() body: CancelFormDto, @Res({ passthrough: true }) reply: FastifyReply) {
    back(reply, id, await this.actions.cancel(ctx, id, body));
  }

  @Post(':id/resume')
  @HttpCode(303)
  async resume(@Portal() ctx: PortalContext, @Param('id') id: string, @Body() _body: CsrfOnlyDto, @Res({ passthrough: true }) reply: FastifyReply) {
    back(reply, id, await this.actions.resume(ctx, id));
  }

  @Get(':id/pause')
  @Render('portal/pause.hbs')
  pausePage(@Portal() ctx: PortalContext, @Param('id') id: string) {
    return this.actions.pausePage(ctx, id);
  }

  @Post(':id/pause')
  @HttpCode(303)
  async pause(@Portal() ctx: PortalContext, @Param('id') id: string, @Body() body: PauseFormDto, @Res({ passthrough: true }) reply: FastifyReply) {
    back(reply, id, await this.actions.pause(ctx, id, body));
  }

  @Post(':id/unpause')
  @HttpCode(303)
  async unpause(@Portal() ctx: PortalContext, @Param('id') id: string, @Body() _body: CsrfOnlyDto, @Res({ passthrough: true }) reply: FastifyReply) {
    back(reply, id, await this.actions.unpause(ctx, id));
  }

  @Get(':id/switch')
  @Render('portal/switch-plan.hbs')
  switchPage(@Portal() ctx: PortalContext, @Param('id') id: string, @Query() query: SwitchQueryDto) {
    return this.actions.switchPage(ctx, id, query.planId);
  }

  @Post(':id/switch')
  @HttpCode(303)
  async switchPlan(@Portal() ctx: PortalContext, @Param('id') id: string, @Body() body: SwitchFormDto, @Res({ passthrough: true }) reply: FastifyReply) {
    back(reply, id, await this.actions.switchPlan(ctx, id, body.planId));
  }
}

function back(reply: FastifyReply, id: string, done: string): void {
  void reply.header('location', `/portal/subscriptions/${encodeURIComponent(id)}?done=${done}`);
}

// The subscription page itself belongs to PortalController; this adds the action buttons the
// customer may use there (the notice after an action, an upgrade waiting for payment) to its view-model, without the
// portal module knowing about the actions.
@Injectable()
export class SubscriptionPageActionsInterceptor implements NestInterceptor {
  constructor(private readonly actions: SubscriptionActionsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || context.getClass() !== PortalController || context.getHandler() !== PortalController.prototype.subscription) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { portal?: PortalContext }>();
    const id = (request.params as { id?: string }).id;
    const done = (request.query as { done?: unknown }).done;
    return next.handle().pipe(
      switchMap((data) =>
        from(
          (async () => {
            if (!request.portal || !id || !data || typeof data !== 'object') return data;
            const [actions, pendingUpgrade] = await Promise.all([this.actions.availability(request.portal, id), this.actions.pendingUpgrade(request.portal, id)]);
            const notice = typeof done === 'string' && Object.hasOwn(DONE_MESSAGES, done) ? DONE_MESSAGES[done] : null;
            return { ...data, actions, anyAction: Object.values(actions).some(Boolean), notice, pendingUpgrade };
          })(),
        ),
      ),
    );
  }
}
