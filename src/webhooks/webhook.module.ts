import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { MerchantModule } from '../merchants/merchant.module';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhookEndpointController } from './webhook-endpoint.controller';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookEndpointService } from './webhook-endpoint.service';
import { WebhookEventController, WebhookKeyController } from './webhook-event.controller';
import { WebhookEventRepository } from './webhook-event.repository';
import { WebhookEventService } from './webhook-event.service';
import { WebhookSigningKeyService } from './webhook-signing-key.service';

// Endpoints, events, deliveries and signing keys. The processor and its schedules are wired in the
// worker only (src/worker.module.ts); the 'webhooks' queue is registered once in QueueModule.
@Module({
  imports: [MerchantModule, MailModule],
  controllers: [WebhookEndpointController, WebhookEventController, WebhookKeyController],
  providers: [
    WebhookEndpointRepository,
    WebhookEventRepository,
    WebhookDeliveryRepository,
    WebhookSigningKeyService,
    WebhookDeliveryService,
    WebhookDispatcher,
    WebhookEndpointService,
    WebhookEventService,
  ],
  exports: [WebhookEndpointService, WebhookEventService, WebhookSigningKeyService, WebhookDeliveryService, WebhookDispatcher],
})
export class WebhookModule {}
