import { Body, Get, HttpCode, Param, Post, Query, Render, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../common/tenant';
import { DashboardPaymentsService } from './dashboard-payments.service';
import { DashboardRoutes } from './dashboard-routes';
import { Dashboard, DashboardPrincipal } from './dashboard-session.guard';
import type { DashboardContext } from './dashboard-session.service';
import { AssignDto, noticeText, PaymentsQueryDto } from './dashboard.dto';

@DashboardRoutes()
export class DashboardPaymentsController {
  constructor(private readonly payments: DashboardPaymentsService) {}

  @Get('payments')
  @Render('dashboard/payments.hbs')
  list(@Dashboard() ctx: DashboardContext, @Query() query: PaymentsQueryDto) {
    return this.payments.list(ctx, query.filter, query.page, noticeText(query.notice));
  }

  @Post('payments/:id/assign')
  @HttpCode(303)
  async assign(@DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() body: AssignDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.payments.assign(principal, id, body.invoiceId);
    void reply.header('location', '/dashboard/payments?notice=payment-assigned');
  }
}
