import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CustomerModule } from '../customers/customer.module';
import { MerchantModule } from '../merchants/merchant.module';
import { PortalLinkModule } from '../portal-links/portal-link.module';
import { PortalSessionGuard } from '../portal/portal-session.guard';
import { PortalSessionService } from '../portal/portal-session.service';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { InvoicePageInterceptor } from './invoice-page.interceptor';
import { PortalPayController } from './portal-pay.controller';
import { PortalPayRepository } from './portal-pay.repository';
import { PortalPayService } from './portal-pay.service';

// Paying from the portal: the wallet button's data and the claims list on the invoice page,
// "I paid from an exchange" claims, and invoice PDFs. API-only.
@Module({
  imports: [MerchantModule, CustomerModule, PortalLinkModule, ReconciliationModule],
  controllers: [PortalPayController],
  providers: [PortalPayRepository, PortalPayService, PortalSessionService, PortalSessionGuard, { provide: APP_INTERCEPTOR, useClass: InvoicePageInterceptor }],
})
export class PortalPayModule {}
