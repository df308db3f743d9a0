import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { ApiPost } from '../common/api-docs';
import { listView } from '../common/list.dto';
import type { Principal } from '../common/tenant';
import { CancelSubscriptionDto, CreateSubscriptionDto, ListSubscriptionsDto } from './subscription.dto';
import { subscriptionView } from './subscription.presenter';
import type { SubscriptionFilter } from './subscription.repository';
import { SubscriptionService } from './subscription.service';

@ApiTags('subscriptions')
@ApiBearerAuth()
@Controller('api/v1/subscriptions')
export class SubscriptionController {
  constructor(private readonly subscriptions: SubscriptionService) {}

  @Post()
  @HttpCode(201)
  @RequireScope('subscriptions:write')
  @ApiPost(CreateSubscriptionDto)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateSubscriptionDto) {
    return this.subscriptions.create(principal, body);
  }

  @Get()
  @RequireScope('subscriptions:read')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListSubscriptionsDto) {
    return listView(await this.subscriptions.list(principal, query as SubscriptionFilter), (s) => subscriptionView(s));
  }

  @Get(':id')
  @RequireScope('subscriptions:read')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.subscriptions.get(principal, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequireScope('subscriptions:write')
  @ApiPost(CancelSubscriptionDto)
  cancel(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: CancelSubscriptionDto) {
    return this.subscriptions.cancel(principal, id, body);
  }
}
