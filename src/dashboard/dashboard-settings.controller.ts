import { Body, Get, HttpCode, Param, ParseEnumPipe, Post, Query, Render, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../common/tenant';
import { DashboardApiKeysService } from './dashboard-api-keys.service';
import { DashboardRoutes } from './dashboard-routes';
import { Dashboard, DashboardPrincipal, OwnerOnly } from './dashboard-session.guard';
import type { DashboardContext } from './dashboard-session.service';
import { DashboardSettingsService, SETTINGS_SECTIONS } from './dashboard-settings.service';
import { DashboardCsrfDto, noticeText, NoticeQueryDto } from './dashboard.dto';
import type { SettingsSection } from './settings-form';

@DashboardRoutes()
@OwnerOnly()
export class DashboardSettingsController {
  constructor(
    private readonly settings: DashboardSettingsService,
    private readonly apiKeys: DashboardApiKeysService,
  ) {}

  @Get('settings')
  @Render('dashboard/settings.hbs')
  page(@Dashboard() ctx: DashboardContext, @Query() query: NoticeQueryDto) {
    return this.settings.page(ctx, noticeText(query.notice));
  }

  // The page again, with a message for the wallet to sign beside the address being verified.
  @Post('settings/addresses/challenge')
  @HttpCode(200)
  @Render('dashboard/settings.hbs')
  challenge(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Body() body: Record<string, unknown>) {
    return this.settings.challenge(principal, ctx, body);
  }

  @Post('settings/:section')
  @HttpCode(303)
  async update(
    @Dashboard() ctx: DashboardContext,
    @DashboardPrincipal() principal: Principal,
    @Param('section', new ParseEnumPipe([...SETTINGS_SECTIONS])) section: SettingsSection,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    await this.settings.update(principal, ctx, section, body);
    void reply.header('location', `/dashboard/settings?notice=saved#${section}`);
  }

  @Get('api-keys')
  @Render('dashboard/api-keys.hbs')
  keys(@Dashboard() ctx: DashboardContext, @Query() query: NoticeQueryDto) {
    return this.apiKeys.page(ctx, { notice: noticeText(query.notice) });
  }

  // The page again with the secret, shown this once.
  @Post('api-keys')
  @HttpCode(200)
  @Render('dashboard/api-keys.hbs')
  createKey(@Dashboard() ctx: DashboardContext, @DashboardPrincipal() principal: Principal, @Body() body: Record<string, unknown>) {
    return this.apiKeys.create(principal, ctx, body);
  }

  @Post('api-keys/:id/revoke')
  @HttpCode(303)
  async revokeKey(@DashboardPrincipal() principal: Principal, @Param('id') id: string, @Body() _body: DashboardCsrfDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.apiKeys.revoke(principal, id);
    void reply.header('location', '/dashboard/api-keys?notice=key-revoked');
  }
}
