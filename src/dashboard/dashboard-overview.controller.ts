import { Body, Get, HttpCode, Post, Query, Render, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DashboardOverviewService } from './dashboard-overview.service';
import { DashboardRoutes } from './dashboard-routes';
import { Dashboard } from './dashboard-session.guard';
import type { DashboardContext } from './dashboard-session.service';
import { ModeDto, noticeText, NoticeQueryDto } from './dashboard.dto';

const SECTIONS = /^\/dashboard(\/(customers|payments|claims|webhooks|settings|api-keys))?$/;

@DashboardRoutes()
export class DashboardOverviewController {
  constructor(private readonly overview: DashboardOverviewService) {}

  @Get()
  @Render('dashboard/overview.hbs')
  show(@Dashboard() ctx: DashboardContext, @Query() query: NoticeQueryDto) {
    return this.overview.overview(ctx, noticeText(query.notice));
  }

  // Test or live: held in the session; every page reads and writes in that mode only.
  @Post('mode')
  @HttpCode(303)
  async mode(@Dashboard() ctx: DashboardContext, @Body() body: ModeDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.overview.setMode(ctx, body.mode);
    void reply.header('location', body.back && SECTIONS.test(body.back) ? body.back : '/dashboard');
  }
}
