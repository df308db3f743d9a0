import { Module } from '@nestjs/common';
import { PortalModule } from '../portal/portal.module';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CustomerModule } from '../customers/customer.module';
import { MerchantModule } from '../merchants/merchant.module';
import { PortalLinkModule } from '../portal-links/portal-link.module';
import { PortalAccountController } from './portal-account.controller';
import { PortalAccountRepository } from './portal-account.repository';
import { PortalAccountService } from './portal-account.service';
import { ProfilePageInterceptor } from './profile-page.interceptor';

// The customer's own account in the portal: billing profile edits, payment method, activity.
@Module({
  imports: [PortalModule, MerchantModule, CustomerModule, PortalLinkModule],
  controllers: [PortalAccountController],
  providers: [PortalAccountRepository, PortalAccountService, { provide: APP_INTERCEPTOR, useClass: ProfilePageInterceptor }],
})
export class PortalAccountModule {}
