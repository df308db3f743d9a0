import { Body, Controller, Get, HttpCode, Post, Query, Render, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { isSameOriginRequest, portalOriginOf } from '../portal/portal-session.guard';
import { ViewContextInterceptor } from '../portal/view-context.interceptor';
import { DashboardAuthService, SignInFailed, WRONG_CREDENTIALS, type RequestInfo } from './dashboard-auth.service';
import { DashboardErrorFilter, FormRejected } from './dashboard-error.filter';
import { Dashboard, DashboardSessionGuard } from './dashboard-session.guard';
import {
  clearDashboardCookie,
  clearSignInCookie,
  DASHBOARD_COOKIE,
  dashboardCookie,
  DashboardSessionService,
  SIGN_IN_COOKIE,
  signInCookie,
  type DashboardContext,
} from './dashboard-session.service';
import { DashboardCsrfDto, noticeText, safeNext, SignInDto, SignInQueryDto } from './dashboard.dto';

function requestInfo(request: FastifyRequest): RequestInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent']?.slice(0, 256) ?? null, requestId: String(request.id) };
}

@ApiExcludeController()
@Public()
@UseFilters(DashboardErrorFilter)
@UseInterceptors(ViewContextInterceptor)
@Controller('dashboard')
export class DashboardAuthController {
  private readonly origin: string;

  constructor(
    private readonly auth: DashboardAuthService,
    private readonly sessions: DashboardSessionService,
    config: AppConfig,
  ) {
    this.origin = portalOriginOf(config);
  }

  @Get('sign-in')
  @Render('dashboard/sign-in.hbs')
  async signInPage(@Query() query: SignInQueryDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    if (await this.sessions.resolve(request.cookies?.[DASHBOARD_COOKIE])) {
      void reply.status(303).header('location', safeNext(query.next));
    }
    return this.signInModel(reply, request.cookies?.[SIGN_IN_COOKIE], { next: query.next, notice: noticeText(query.notice) });
  }

  @Post('sign-in')
  @HttpCode(303)
  async signIn(@Body() body: SignInDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const nonce = request.cookies?.[SIGN_IN_COOKIE];
    if (!isSameOriginRequest(request, this.origin) || !this.sessions.checkSignInToken(nonce, body._csrf)) {
      throw new DomainError('csrf_failed', 'This sign-in form expired or came from another site. Reload the page and try again.');
    }
    try {
      const { sid, mustChangePassword } = await this.auth.signIn(body.email, body.password, requestInfo(request), request.cookies?.[DASHBOARD_COOKIE]);
      void reply
        .header('set-cookie', [dashboardCookie(sid), clearSignInCookie()])
        .header('location', mustChangePassword ? '/dashboard/password' : safeNext(body.next));
    } catch (err) {
      if (!(err instanceof SignInFailed)) throw err;
      throw new FormRejected('dashboard/sign-in.hbs', this.signInModel(reply, nonce, { next: body.next, email: body.email, error: WRONG_CREDENTIALS }), 401);
    }
  }

  @Post('sign-out')
  @HttpCode(303)
  @UseGuards(DashboardSessionGuard)
  async signOut(@Dashboard() ctx: DashboardContext, @Body() _body: DashboardCsrfDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.auth.signOut(ctx, requestInfo(request));
    void reply.header('set-cookie', clearDashboardCookie()).header('location', '/dashboard/sign-in?notice=signed-out');
  }

  @Get('password')
  @Render('dashboard/password.hbs')
  @UseGuards(DashboardSessionGuard)
  passwordPage(@Dashboard() ctx: DashboardContext) {
    return this.auth.passwordPage(ctx);
  }

  @Post('password')
  @HttpCode(303)
  @UseGuards(DashboardSessionGuard)
  async changePassword(@Dashboard() ctx: DashboardContext, @Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.auth.changePassword(ctx, body, requestInfo(request));
    void reply.header('location', '/dashboard?notice=password-changed');
  }

  // Sets the nonce cookie behind the form's CSRF token when the browser has none yet.
  private signInModel(reply: FastifyReply, existingNonce: string | undefined, extra: Parameters<DashboardAuthService['signInPage']>[1]) {
    const { model, newNonce } = this.auth.signInPage(existingNonce, extra);
    if (newNonce) void reply.header('set-cookie', signInCookie(newNonce));
    return model;
  }
}
