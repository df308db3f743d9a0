import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { ApiPost } from '../common/api-docs';
import { listView } from '../common/list.dto';
import type { Principal } from '../common/tenant';
import { AssignPaymentDto, ListPaymentsDto } from './payment.dto';
import { paymentView } from './payment.presenter';
import { PaymentService } from './payment.service';

@ApiTags('payments')
@ApiBearerAuth()
@Controller('api/v1/payments')
export class PaymentController {
  constructor(private readonly payments: PaymentService) {}

  @Get()
  @RequireScope('payments:read')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListPaymentsDto) {
    return listView(await this.payments.list(principal, query), paymentView);
  }

  @Get(':id')
  @RequireScope('payments:read')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.payments.get(principal, id);
  }

  @Post(':id/assign')
  @HttpCode(200)
  @RequireScope('payments:write')
  @ApiPost(AssignPaymentDto)
  assign(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: AssignPaymentDto) {
    return this.payments.assign(principal, id, body.invoiceId);
  }
}
