import { Body, Controller, Get, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { DomainError } from '../common/errors';
import { Portal, PortalSessionGuard } from '../portal/portal-session.guard';
import type { PortalContext } from '../portal/portal-session.service';
import { ClaimFormDto } from './portal-pay.dto';
import { PortalPayService } from './portal-pay.service';

@ApiExcludeController()
@Public()
@UseGuards(PortalSessionGuard)
@Controller('portal/invoices')
export class PortalPayController {
  constructor(private readonly pay: PortalPayService) {}

  // "I paid from an exchange": queued for on-chain verification, then back to the invoice (PRG).
  @Post(':id/claims')
  @HttpCode(303)
  async claim(@Portal() ctx: PortalContext, @Param('id') id: string, @Body() body: ClaimFormDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const location = await this.pay.submitClaim(ctx, id, body.txHash);
    void reply.header('cache-control', 'no-store').header('location', location);
  }

  // An action route answers 405 to GET and HEAD (R14), not 404.
  @Get(':id/claims')
  claimPage(): never {
    throw new DomainError('method_not_allowed', 'Submit a transaction hash from the invoice page.');
  }

  @Get(':id/pdf')
  async pdf(@Portal() ctx: PortalContext, @Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    const { filename, body } = await this.pay.invoicePdf(ctx, id);
    void reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff');
    return body;
  }
}
