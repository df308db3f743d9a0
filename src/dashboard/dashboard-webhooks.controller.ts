import { Body, Get, HttpCode, Param, Post, Query, Render, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../common/tenant';
import { DashboardRoutes } from './dashboard-routes';
import { Dashboard, DashboardPrincipal, OwnerOnly } from './dashboard-session.guard';
import type { DashboardContext } from './dashboard-session.service';
import { DashboardWebhooksService } from './dashboard-webhooks.service';
import { DashboardCsrfDto, noticeText, NoticeQueryDto, RedeliverDto } from './dashboard.dto';

@DashboardRoutes()
export class DashboardWebhooksController {
  constructor(private readonly webhooks: DashboardWebhooksService) {}

  @Get('webhooks')
  @Render('dashboard/webhooks.hbs')
  page(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Query() query: NoticeQueryDto) {
    return this.webhooks.page(ctx, principal, { notice: noticeText(query.notice) });
  }

  // The page again with the signing secret, shown this once.
  @Post('webhooks/endpoints')
  @HttpCode(200)
  @OwnerOnly()
  @Render('dashboard/webhooks.hbs')
  create(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Body() body: Record<string, unknown>) {
    return this.webhooks.create(ctx, principal, body);
  }

  @Post('webhooks/endpoints/:id/rotate-secret')
  @HttpCode(200)
  @OwnerOnly()
  @Render('dashboard/webhooks.hbs')
  rotate(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() _body: DashboardCsrfDto) {
    return this.webhooks.rotate(ctx, principal, id);
  }

  @Post('webhooks/endpoints/:id/test')
  @HttpCode(303)
  @OwnerOnly()
  async test(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() _body: DashboardCsrfDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.webhooks.sendTest(ctx, principal, id);
    void reply.header('location', '/dashboard/webhooks?notice=test-sent');
  }

  @Post('webhooks/endpoints/:id/enable')
  @HttpCode(303)
  @OwnerOnly()
  async enable(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() _body: DashboardCsrfDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.webhooks.setEnabled(ctx, principal, id, true);
    void reply.header('location', '/dashboard/webhooks?notice=endpoint-enabled');
  }

  @Post('webhooks/endpoints/:id/disable')
  @HttpCode(303)
  @OwnerOnly()
  async disable(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() _body: DashboardCsrfDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.webhooks.setEnabled(ctx, principal, id, false);
    void reply.header('location', '/dashboard/webhooks?notice=endpoint-disabled');
  }

  @Post('webhooks/endpoints/:id/delete')
  @HttpCode(303)
  @OwnerOnly()
  async remove(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() _body: DashboardCsrfDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.webhooks.remove(ctx, principal, id);
    void reply.header('location', '/dashboard/webhooks?notice=endpoint-deleted');
  }

  @Get('webhooks/events/:id')
  @Render('dashboard/webhook-event.hbs')
  event(@Dashboard() ctx: DashboardContext, @Param('id') id: string, @Query() query: NoticeQueryDto) {
    return this.webhooks.event(ctx, id, noticeText(query.notice));
  }

  // Staff may replay an event: it changes nothing but sends the same payload again.
  @Post('webhooks/events/:id/redeliver')
  @HttpCode(303)
  async redeliver(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() body: RedeliverDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.webhooks.redeliver(ctx, principal, id, body.endpointId);
    void reply.header('location', `/dashboard/webhooks/events/${encodeURIComponent(id)}?notice=redelivered`);
  }
}
