import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CustomerModule } from '../customers/customer.module';
import { MerchantModule } from '../merchants/merchant.module';
import { PortalLinkModule } from '../portal-links/portal-link.module';
import { PortalSessionGuard } from '../portal/portal-session.guard';
import { PortalSessionService } from '../portal/portal-session.service';
import { PortalAccountController } from './portal-account.controller';
import { PortalAccountRepository } from './portal-account.repository';
import { PortalAccountService } from './portal-account.service';
import { ProfilePageInterceptor } from './profile-page.interceptor';

// The customer's own account in the portal: billing profile edits, payment method, activity.
@Module({
  imports: [MerchantModule, CustomerModule, PortalLinkModule],
  controllers: [PortalAccountController],
  providers: [PortalAccountRepository, PortalAccountService, PortalSessionService, PortalSessionGuard, { provide: APP_INTERCEPTOR, useClass: ProfilePageInterceptor }],
})
export class PortalAccountModule {}
