import { Module } from '@nestjs/common';
import { MerchantModule } from '../merchants/merchant.module';
import { InvoiceController } from './invoice.controller';
import { InvoiceRepository } from './invoice.repository';
import { InvoiceService } from './invoice.service';
import { InvoiceLifecycleService } from './invoice-lifecycle.service';
import { CustomerCreditRepository } from './customer-credit.repository';

@Module({
  imports: [MerchantModule],
  controllers: [InvoiceController],
  providers: [InvoiceRepository, InvoiceService, InvoiceLifecycleService, CustomerCreditRepository],
  exports: [InvoiceRepository, InvoiceService, InvoiceLifecycleService, CustomerCreditRepository],
})
export class InvoiceModule {}
