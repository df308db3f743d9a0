import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Render, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ViewContextInterceptor } from './view-context.interceptor';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { CsrfOnlyDto, PageDto } from './portal.dto';
import { Portal, PortalSessionGuard } from './portal-session.guard';
import { PortalSessionService, type PortalContext } from './portal-session.service';
import { PortalService } from './portal.service';
import { clearSessionCookie } from './session-cookie';

@ApiExcludeController()
@Public()
@UseGuards(PortalSessionGuard)
@UseInterceptors(ViewContextInterceptor)
@Controller('portal')
export class PortalController {
  constructor(
    private readonly portal: PortalService,
    private readonly sessions: PortalSessionService,
  ) {}

  @Get()
  @Render('portal/overview.hbs')
  overview(@Portal() ctx: PortalContext) {
    return this.portal.overview(ctx);
  }

  @Get('subscriptions/:id')
  @Render('portal/subscription.hbs')
  subscription(@Portal() ctx: PortalContext, @Param('id') id: string) {
    return this.portal.subscription(ctx, id);
  }

  @Get('invoices')
  @Render('portal/invoices.hbs')
  invoices(@Portal() ctx: PortalContext, @Query() query: PageDto) {
    return this.portal.invoices(ctx, query.page);
  }

  @Get('invoices/:id')
  @Render('portal/invoice.hbs')
  invoice(@Portal() ctx: PortalContext, @Param('id') id: string) {
    return this.portal.invoice(ctx, id);
  }

  @Get('invoices/:id/qr.svg')
  @Header('content-type', 'image/svg+xml; charset=utf-8')
  invoiceQr(@Portal() ctx: PortalContext, @Param('id') id: string) {
    return this.portal.invoiceQr(ctx, id);
  }

  @Get('payments')
  @Render('portal/payments.hbs')
  payments(@Portal() ctx: PortalContext, @Query() query: PageDto) {
    return this.portal.payments(ctx, query.page);
  }

  @Get('profile')
  @Render('portal/profile.hbs')
  profile(@Portal() ctx: PortalContext) {
    return this.portal.profile(ctx);
  }

  @Post('logout')
  @HttpCode(303)
  async logout(@Portal() ctx: PortalContext, @Body() _body: CsrfOnlyDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.sessions.end(ctx);
    void reply.header('set-cookie', clearSessionCookie()).header('location', '/portal/signed-out');
  }
}
