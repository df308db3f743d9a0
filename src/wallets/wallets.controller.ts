import { Body, Controller, Get, HttpCode, Param, Post, Query, Render, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { CsrfOnlyDto } from '../portal/portal.dto';
import { Portal, PortalSessionGuard } from '../portal/portal-session.guard';
import type { PortalContext } from '../portal/portal-session.service';
import { ViewContextInterceptor } from '../portal/view-context.interceptor';
import { ChallengeDto, VerifyDto, WalletsPageDto } from './wallets.dto';
import { WalletService } from './wallet.service';

const WALLET_ID = /^wal_[0-9A-Za-z]{22}$/;

// Portal wallet linking (Sign-In with Ethereum). Every POST passes the session guard's CSRF and
// same-origin checks, then answers 303 back to the wallets page (post/redirect/get).
@ApiExcludeController()
@Public()
@UseGuards(PortalSessionGuard)
@UseInterceptors(ViewContextInterceptor)
@Controller('portal/wallets')
export class WalletsController {
  constructor(private readonly wallets: WalletService) {}

  @Get()
  @Render('portal/wallets.hbs')
  page(@Portal() ctx: PortalContext, @Query() query: WalletsPageDto) {
    return this.wallets.page(ctx, query);
  }

  @Post('challenge')
  @HttpCode(303)
  async challenge(@Portal() ctx: PortalContext, @Body() body: ChallengeDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const id = await this.wallets.createChallenge(ctx, body);
    void reply.header('location', `/portal/wallets?challenge=${id}`);
  }

  @Post('verify')
  @HttpCode(303)
  async verify(@Portal() ctx: PortalContext, @Body() body: VerifyDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const outcome = await this.wallets.verify(ctx, body);
    void reply.header('location', `/portal/wallets?done=${outcome}`);
  }

  @Post(':id/unlink')
  @HttpCode(303)
  async unlink(@Portal() ctx: PortalContext, @Param('id') id: string, @Body() _body: CsrfOnlyDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.wallets.unlink(ctx, WALLET_ID.test(id) ? id : 'wal_invalid');
    void reply.header('location', '/portal/wallets?done=unlinked');
  }
}
