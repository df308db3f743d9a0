import { Body, Controller, Get, Header, HttpCode, Param, Post, Render, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ViewContextInterceptor } from './view-context.interceptor';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { isSameOriginRequest, portalOriginOf } from './portal-session.guard';
import { ExchangeDto } from './portal.dto';
import { LinkEntryService } from './link-entry.service';
import { sessionCookie } from './session-cookie';
import { SESSION_COOKIE } from './portal-session.service';

@ApiExcludeController()
@Public()
@UseInterceptors(ViewContextInterceptor)
@Controller('p')
export class LinkEntryController {
  private readonly portalOrigin: string;

  constructor(
    private readonly entry: LinkEntryService,
    config: AppConfig,
  ) {
    this.portalOrigin = portalOriginOf(config);
  }

  @Post('exchange')
  @HttpCode(303)
  @Header('referrer-policy', 'no-referrer')
  @Header('cache-control', 'no-store')
  async exchange(@Body() body: ExchangeDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    // A cross-site exchange would sign the victim into the attacker's portal (login CSRF).
    if (!isSameOriginRequest(request, this.portalOrigin)) throw new DomainError('portal_link_invalid', 'This billing link is invalid or has expired. Ask the merchant for a new link.');
    const result = await this.entry.exchange(body.token, request.ip, request.cookies?.[SESSION_COOKIE]);
    void reply.header('set-cookie', sessionCookie(result.sid, result.embed)).header('location', result.location);
  }

  @Get(':token')
  @Render('portal/continue.hbs')
  @Header('referrer-policy', 'no-referrer')
  @Header('cache-control', 'no-store')
  @Header('x-robots-tag', 'noindex, nofollow')
  interstitial(@Param('token') token: string, @Req() request: FastifyRequest) {
    return this.entry.interstitial(token, request.ip, request.url.includes('?'));
  }
}
