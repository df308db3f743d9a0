import { Module } from '@nestjs/common';
import { PortalModule } from '../portal/portal.module';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CatalogModule } from '../catalog/catalog.module';
import { CustomerModule } from '../customers/customer.module';
import { InvoiceModule } from '../invoices/invoice.module';
import { MerchantModule } from '../merchants/merchant.module';
import { PortalLinkModule } from '../portal-links/portal-link.module';
import { SubscriptionModule } from '../subscriptions/subscription.module';
import { SubscriptionActionsController, SubscriptionPageActionsInterceptor } from './subscription-actions.controller';
import { SubscriptionActionsService } from './subscription-actions.service';

// Customer self-service on subscriptions: cancel / undo, pause / resume, switch plan.
@Module({
  imports: [PortalModule, MerchantModule, CustomerModule, CatalogModule, InvoiceModule, SubscriptionModule, PortalLinkModule],
  controllers: [SubscriptionActionsController],
  providers: [
    SubscriptionActionsService,
    // Global, but it only touches the view-model of GET /portal/subscriptions/:id.
    { provide: APP_INTERCEPTOR, useClass: SubscriptionPageActionsInterceptor },
  ],
})
export class SubscriptionActionsModule {}
