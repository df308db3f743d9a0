import { Body, Get, HttpCode, Param, Post, Query, Render, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../common/tenant';
import { ApproveClaimFormDto, claimNoticeText, claimsPath, ClaimsQueryDto, RejectClaimFormDto } from './dashboard-claims.dto';
import { DashboardClaimsService } from './dashboard-claims.service';
import { DashboardRoutes } from './dashboard-routes';
import { Dashboard, DashboardPrincipal } from './dashboard-session.guard';
import type { DashboardContext } from './dashboard-session.service';

@DashboardRoutes()
export class DashboardClaimsController {
  constructor(private readonly claims: DashboardClaimsService) {}

  @Get('claims')
  @Render('dashboard/claims.hbs')
  list(@Dashboard() ctx: DashboardContext, @Query() query: ClaimsQueryDto) {
    return this.claims.list(ctx, query.status, query.page, { notice: claimNoticeText(query.notice) });
  }

  // Back to the first page of the same list: a decision moves the claim out of "Needs review".
  @Post('claims/:id/approve')
  @HttpCode(303)
  async approve(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() body: ApproveClaimFormDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.claims.approve(principal, ctx, id, body);
    void reply.header('location', claimsPath(body.status, 1, 'claim-approved'));
  }

  @Post('claims/:id/reject')
  @HttpCode(303)
  async reject(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() body: RejectClaimFormDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.claims.reject(principal, ctx, id, body);
    void reply.header('location', claimsPath(body.status, 1, 'claim-rejected'));
  }
}
