import { Body, Get, HttpCode, Param, Post, Query, Render, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../common/tenant';
import { DashboardCustomersService } from './dashboard-customers.service';
import { DashboardRoutes } from './dashboard-routes';
import { Dashboard, DashboardPrincipal } from './dashboard-session.guard';
import type { DashboardContext } from './dashboard-session.service';
import { DashboardCsrfDto, noticeText, NoticeQueryDto, SearchDto } from './dashboard.dto';

@DashboardRoutes()
export class DashboardCustomersController {
  constructor(private readonly customers: DashboardCustomersService) {}

  @Get('customers')
  @Render('dashboard/customers.hbs')
  search(@Dashboard() ctx: DashboardContext, @Query() query: SearchDto) {
    return this.customers.search(ctx, query.q, query.page);
  }

  @Get('customers/:id')
  @Render('dashboard/customer.hbs')
  show(@Dashboard() ctx: DashboardContext, @Param('id') id: string, @Query() query: NoticeQueryDto) {
    return this.customers.customer(ctx, id, { notice: noticeText(query.notice) });
  }

  // The page again, with the new link shown once (a redirect would have to carry the URL).
  @Post('customers/:id/portal-links')
  @HttpCode(200)
  @Render('dashboard/customer.hbs')
  generate(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    return this.customers.generateLink(principal, ctx, id, body);
  }

  @Post('customers/:id/portal-links/email')
  @HttpCode(303)
  async email(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() _body: DashboardCsrfDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.customers.emailLink(principal, ctx, id);
    void reply.header('location', `/dashboard/customers/${encodeURIComponent(id)}?notice=link-emailed`);
  }

  @Post('customers/:id/portal-links/revoke')
  @HttpCode(303)
  async revokeAll(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() _body: DashboardCsrfDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.customers.revokeAll(principal, ctx, id);
    void reply.header('location', `/dashboard/customers/${encodeURIComponent(id)}?notice=links-revoked`);
  }
}
