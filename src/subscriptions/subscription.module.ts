import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { CustomerModule } from '../customers/customer.module';
import { InvoiceModule } from '../invoices/invoice.module';
import { MerchantModule } from '../merchants/merchant.module';
import { SubscriptionController } from './subscription.controller';
import { SubscriptionRepository } from './subscription.repository';
import { SubscriptionService } from './subscription.service';

@Module({
  imports: [MerchantModule, CustomerModule, CatalogModule, InvoiceModule],
  controllers: [SubscriptionController],
  providers: [SubscriptionRepository, SubscriptionService],
  exports: [SubscriptionRepository, SubscriptionService],
})
export class SubscriptionModule {}
