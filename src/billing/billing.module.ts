import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { CustomerModule } from '../customers/customer.module';
import { InvoiceModule } from '../invoices/invoice.module';
import { MerchantModule } from '../merchants/merchant.module';
import { SubscriptionModule } from '../subscriptions/subscription.module';
import { BillingProcessor } from './billing.processor';
import { BillingRepository } from './billing.repository';
import { BillingSchedules } from './billing.schedules';
import { BillingSweeper } from './billing-sweeper.service';
import { InvoiceExpiryService } from './invoice-expiry.service';

// Worker-only: it registers a BullMQ processor and a scheduler, so the API never imports it.
@Module({
  // The 'billing' queue itself is registered once in QueueModule.
  imports: [MerchantModule, CustomerModule, CatalogModule, InvoiceModule, SubscriptionModule],
  providers: [BillingRepository, InvoiceExpiryService, BillingSweeper, BillingProcessor, BillingSchedules],
  exports: [BillingSweeper],
})
export class BillingModule {}
