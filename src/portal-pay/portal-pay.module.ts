import { Module } from '@nestjs/common';
import { PortalModule } from '../portal/portal.module';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CustomerModule } from '../customers/customer.module';
import { MerchantModule } from '../merchants/merchant.module';
import { PortalLinkModule } from '../portal-links/portal-link.module';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { InvoicePageInterceptor } from './invoice-page.interceptor';
import { PortalPayController } from './portal-pay.controller';
import { PortalPayRepository } from './portal-pay.repository';
import { PortalPayService } from './portal-pay.service';

// Paying from the portal: the wallet button's data and the claims list on the invoice page,
// "I paid from an exchange" claims, and invoice PDFs. API-only.
@Module({
  imports: [PortalModule, MerchantModule, CustomerModule, PortalLinkModule, ReconciliationModule],
  controllers: [PortalPayController],
  providers: [PortalPayRepository, PortalPayService, { provide: APP_INTERCEPTOR, useClass: InvoicePageInterceptor }],
})
export class PortalPayModule {}
