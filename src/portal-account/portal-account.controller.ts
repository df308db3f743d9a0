import { Body, Controller, Get, HttpCode, Post, Query, Render, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { Portal, PortalSessionGuard } from '../portal/portal-session.guard';
import type { PortalContext } from '../portal/portal-session.service';
import { ViewContextInterceptor } from '../portal/view-context.interceptor';
import { ActivityQueryDto, NoticeQueryDto, PaymentMethodDto } from './portal-account.dto';
import { PortalAccountService } from './portal-account.service';

type ViewReply = FastifyReply & { cspNonce?: { script: string; style: string } };

@ApiExcludeController()
@Public()
@UseGuards(PortalSessionGuard)
@UseInterceptors(ViewContextInterceptor)
@Controller('portal')
export class PortalAccountController {
  constructor(private readonly account: PortalAccountService) {}

  @Get('profile/edit')
  @Render('portal/profile.hbs')
  editProfile(@Portal() ctx: PortalContext) {
    return this.account.profileEditPage(ctx);
  }

  // The body is checked by the service, not the global pipe: a refused form comes back as the
  // form again (400) with the customer's input and a message per field.
  @Post('profile/edit')
  async saveProfile(@Portal() ctx: PortalContext, @Body() body: Record<string, unknown>, @Res() reply: ViewReply) {
    const result = await this.account.saveProfile(ctx, body ?? {});
    if (result.saved) {
      await reply.status(303).header('location', `/portal/profile?done=${result.notice}`).send();
      return;
    }
    await reply.status(400).view('portal/profile.hbs', { ...result.model, cspNonce: reply.cspNonce });
  }

  @Get('payment-method')
  @Render('portal/payment-method.hbs')
  paymentMethod(@Portal() ctx: PortalContext, @Query() query: NoticeQueryDto) {
    return this.account.paymentMethodPage(ctx, query.done);
  }

  @Post('payment-method')
  @HttpCode(303)
  async setPaymentMethod(@Portal() ctx: PortalContext, @Body() body: PaymentMethodDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const notice = await this.account.setPaymentMethod(ctx, body.assetId);
    void reply.header('location', `/portal/payment-method?done=${notice}`);
  }

  @Get('activity')
  @Render('portal/activity.hbs')
  activity(@Portal() ctx: PortalContext, @Query() query: ActivityQueryDto) {
    return this.account.activity(ctx, query.page);
  }
}
