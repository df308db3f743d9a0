import { Body, Catch, Controller, Get, Header, HttpCode, Injectable, Logger, Param, Post, Query, Render, Req, Res, UseFilters, UseInterceptors, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { toErrorResponse } from '../common/error-response';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { renderErrorPage } from '../portal/error-page';
import { isSameOriginRequest, portalOriginOf } from '../portal/portal-session.guard';
import { ViewContextInterceptor } from '../portal/view-context.interceptor';
import { ACCESS_COOKIE, accessCookie } from './access-csrf';
import { EntryQueryDto, RequestLinkDto } from './portal-access.dto';
import { PortalAccessService } from './portal-access.service';

// /m/ is not a portal path for the global filter: errors here are pages too (404, 403, 429).
@Catch()
@Injectable()
export class PortalAccessErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('PortalAccess');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const response = toErrorResponse(exception);
    if (response.internal) this.logger.error({ err: (exception as Error)?.message }, 'request failed');
    void renderErrorPage(reply, response).catch((err: unknown) => {
      this.logger.error({ err: (err as Error)?.message }, 'error page failed to render');
      if (!reply.sent) void reply.status(response.status).type('text/plain; charset=utf-8').send(response.body.error.message);
    });
  }
}

@ApiExcludeController()
@Public()
@UseFilters(PortalAccessErrorFilter)
@UseInterceptors(ViewContextInterceptor)
@Controller('m/:slug/portal')
export class PortalAccessController {
  private readonly portalOrigin: string;

  constructor(
    private readonly access: PortalAccessService,
    config: AppConfig,
  ) {
    this.portalOrigin = portalOriginOf(config);
  }

  @Get()
  @Render('portal/entry.hbs')
  @Header('referrer-policy', 'no-referrer')
  async entry(@Param('slug') slug: string, @Query() query: EntryQueryDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const merchant = await this.access.merchant(slug);
    const { model, setNonce } = this.access.page(merchant, request.cookies?.[ACCESS_COOKIE], query.sent === '1');
    if (setNonce) void reply.header('set-cookie', accessCookie(setNonce));
    return model;
  }

  // The same 303 whether or not the address belongs to a customer.
  @Post()
  @HttpCode(303)
  async request(@Param('slug') slug: string, @Body() body: RequestLinkDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const merchant = await this.access.merchant(slug);
    if (!isSameOriginRequest(request, this.portalOrigin) || !this.access.checkCsrf(merchant.slug, request.cookies?.[ACCESS_COOKIE], body._csrf, this.positivelySameOrigin(request))) {
      throw new DomainError('csrf_failed', 'This form expired or came from another site. Reload the page and try again.');
    }
    await this.access.request(merchant, body.email, request.ip);
    void reply.header('location', `/m/${merchant.slug}/portal?sent=1`);
  }

  private positivelySameOrigin(request: FastifyRequest): boolean {
    return request.headers['sec-fetch-site'] === 'same-origin' || request.headers.origin === this.portalOrigin;
  }
}
