import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { ApiPost } from '../common/api-docs';
import { listView } from '../common/list.dto';
import type { Principal } from '../common/tenant';
import { ListEventsDto, RedeliverDto } from './webhook.dto';
import { eventView } from './webhook.presenter';
import { WebhookEventService } from './webhook-event.service';
import { WebhookSigningKeyService } from './webhook-signing-key.service';

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('api/v1/events')
export class WebhookEventController {
  constructor(private readonly events: WebhookEventService) {}

  @Get()
  @RequireScope('webhooks:manage')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListEventsDto) {
    return listView(await this.events.list(principal, query), eventView);
  }

  @Get(':id')
  @RequireScope('webhooks:manage')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.events.get(principal, id);
  }

  @Post(':id/redeliver')
  @HttpCode(202)
  @RequireScope('webhooks:manage')
  @ApiPost(RedeliverDto)
  async redeliver(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: RedeliverDto) {
    return { object: 'list' as const, data: await this.events.redeliver(principal, principal.actor, id, body), hasMore: false };
  }
}

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('api/v1/merchant')
export class WebhookKeyController {
  constructor(private readonly keys: WebhookSigningKeyService) {}

  // Public by nature (it verifies, it cannot sign), but per merchant and mode.
  @Get('webhook-public-key')
  @RequireScope('webhooks:manage')
  async publicKey(@CurrentPrincipal() principal: Principal) {
    return { object: 'webhook_public_key' as const, livemode: principal.livemode, publicKey: await this.keys.publicKey(principal, principal.actor) };
  }
}
