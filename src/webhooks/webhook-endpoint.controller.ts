import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { ApiIdempotent, ApiJsonBody, ApiPost } from '../common/api-docs';
import { Clock } from '../common/clock';
import { listView } from '../common/list.dto';
import type { Principal } from '../common/tenant';
import { CreateEndpointDto, ListDeliveriesDto, ListEndpointsDto, UpdateEndpointDto } from './webhook.dto';
import { deliveryView, endpointView } from './webhook.presenter';
import { WebhookEndpointService } from './webhook-endpoint.service';
import { WebhookEventService } from './webhook-event.service';

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('api/v1/webhook-endpoints')
export class WebhookEndpointController {
  constructor(
    private readonly endpoints: WebhookEndpointService,
    private readonly events: WebhookEventService,
    private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireScope('webhooks:manage')
  @ApiPost(CreateEndpointDto)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateEndpointDto) {
    return this.endpoints.create(principal, principal.actor, body);
  }

  @Get()
  @RequireScope('webhooks:manage')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListEndpointsDto) {
    const now = this.clock.now();
    return listView(await this.endpoints.list(principal, query), (e) => endpointView(e, now));
  }

  @Get(':id')
  @RequireScope('webhooks:manage')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.endpoints.get(principal, id);
  }

  @Patch(':id')
  @RequireScope('webhooks:manage')
  @ApiJsonBody(UpdateEndpointDto)
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: UpdateEndpointDto) {
    return this.endpoints.update(principal, principal.actor, id, body);
  }

  @Delete(':id')
  @RequireScope('webhooks:manage')
  delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.endpoints.delete(principal, principal.actor, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @RequireScope('webhooks:manage')
  @ApiIdempotent()
  rotateSecret(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.endpoints.rotateSecret(principal, principal.actor, id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @RequireScope('webhooks:manage')
  @ApiIdempotent()
  sendTest(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.endpoints.sendTest(principal, principal.actor, id);
  }

  @Get(':id/deliveries')
  @RequireScope('webhooks:manage')
  async deliveries(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: ListDeliveriesDto) {
    // 404 for another merchant's endpoint, rather than an empty list.
    await this.endpoints.get(principal, id);
    return listView(await this.events.listDeliveries(principal, { ...query, endpointId: id }), (d) => deliveryView(d));
  }
}
