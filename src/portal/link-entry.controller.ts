import { Body, Catch, Controller, Get, Header, HttpCode, Injectable, Logger, Param, Post, Query, Render, Req, Res, UseFilters, UseInterceptors, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ViewContextInterceptor } from './view-context.interceptor';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { toErrorResponse } from '../common/error-response';
import { AppConfig } from '../config/app-config';
import { isSameOriginRequest, portalOriginOf } from './portal-session.guard';
import { ExchangeDto } from './portal.dto';
import { renderErrorPage } from './error-page';
import { LinkEntryService, LinkInvalidPage, safePortalPath } from './link-entry.service';
import { sessionCookie } from './session-cookie';
import { PortalSessionService, SESSION_COOKIE } from './portal-session.service';

type ViewReply = FastifyReply & { cspNonce?: { script: string; style: string } };

// The link failure page, with the known merchant's fresh-link form; other errors render as usual.
@Catch()
@Injectable()
export class LinkEntryErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('LinkEntry');

  constructor(private readonly entry: LinkEntryService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<ViewReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const response = toErrorResponse(exception);
    if (response.internal) this.logger.error({ err: (exception as Error)?.message, reqId: request.id }, 'request failed');
    const done = exception instanceof LinkInvalidPage ? this.renderInvalid(exception, reply, response.status) : renderErrorPage(reply, response);
    void done.catch((err: unknown) => {
      this.logger.error({ err: (err as Error)?.message }, 'error page failed to render');
      if (!reply.sent) void reply.status(response.status).type('text/plain; charset=utf-8').send(response.body.error.message);
    });
  }

  private async renderInvalid(page: LinkInvalidPage, reply: ViewReply, status: number): Promise<void> {
    const model = this.entry.invalidPage(page, reply);
    void reply.status(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    await reply.view('errors/link-invalid.hbs', {
      title: 'This link can\'t be used',
      message: page.message,
      minimal: true,
      ...model,
      cspNonce: reply.cspNonce,
    });
  }
}

@ApiExcludeController()
@Public()
@UseFilters(LinkEntryErrorFilter)
@UseInterceptors(ViewContextInterceptor)
@Controller('p')
export class LinkEntryController {
  private readonly portalOrigin: string;

  constructor(
    private readonly entry: LinkEntryService,
    private readonly sessions: PortalSessionService,
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
    if (!isSameOriginRequest(request, this.portalOrigin)) throw new LinkInvalidPage();
    const result = await this.entry.exchange(body.token, request.ip, request.cookies?.[SESSION_COOKIE], reply);
    void reply.header('set-cookie', sessionCookie(result.sid, result.embed)).header('location', result.location);
  }

  // After an embedded exchange. The cookie came back: on to the portal. It did not (the browser
  // blocks partitioned/third-party cookies in frames): explain, and offer the merchant's entry
  // page in a new tab, since the spent token must not be shown again.
  @Get('embedded')
  @Header('referrer-policy', 'no-referrer')
  @Header('cache-control', 'no-store')
  async embedded(@Query('m') slug: unknown, @Query('next') next: unknown, @Req() request: FastifyRequest, @Res() reply: ViewReply) {
    const session = await this.sessions.resolve(request.cookies?.[SESSION_COOKIE]);
    if (session?.session.embed) return reply.status(303).header('location', safePortalPath(next)).send();
    const model = await this.entry.embedLanding(typeof slug === 'string' ? slug : undefined, reply);
    return reply.status(200).header('content-type', 'text/html; charset=utf-8').view('portal/embed-blocked.hbs', { ...model, cspNonce: reply.cspNonce });
  }

  @Get(':token')
  @Render('portal/continue.hbs')
  @Header('referrer-policy', 'no-referrer')
  @Header('cache-control', 'no-store')
  @Header('x-robots-tag', 'noindex, nofollow')
  interstitial(@Param('token') token: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.entry.interstitial(token, request.ip, request.url.includes('?'), reply);
  }
}
