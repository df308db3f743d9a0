import { Module } from '@nestjs/common';
import { CustomerModule } from '../customers/customer.module';
import { MailModule } from '../mail/mail.module';
import { MerchantModule } from '../merchants/merchant.module';
import { PortalLinkModule } from '../portal-links/portal-link.module';
import { PortalRepository } from '../portal/portal.repository';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { WebhookModule } from '../webhooks/webhook.module';
import { DashboardApiKeysService } from './dashboard-api-keys.service';
import { DashboardAuthController } from './dashboard-auth.controller';
import { DashboardAuthService } from './dashboard-auth.service';
import { DashboardClaimsController } from './dashboard-claims.controller';
import { DashboardClaimsRepository } from './dashboard-claims.repository';
import { DashboardClaimsService } from './dashboard-claims.service';
import { DashboardCustomersController } from './dashboard-customers.controller';
import { DashboardCustomersService } from './dashboard-customers.service';
import { DashboardErrorFilter } from './dashboard-error.filter';
import { DashboardLayoutService } from './dashboard-layout.service';
import { DashboardNotFoundController } from './dashboard-not-found.controller';
import { DashboardOverviewController } from './dashboard-overview.controller';
import { DashboardOverviewService } from './dashboard-overview.service';
import { DashboardPaymentsController } from './dashboard-payments.controller';
import { DashboardPaymentsService } from './dashboard-payments.service';
import { DashboardSessionGuard } from './dashboard-session.guard';
import { DashboardSessionRepository } from './dashboard-session.repository';
import { DashboardSessionService } from './dashboard-session.service';
import { DashboardSettingsController } from './dashboard-settings.controller';
import { DashboardSettingsService } from './dashboard-settings.service';
import { DashboardUserRepository } from './dashboard-user.repository';
import { DashboardUserService } from './dashboard-user.service';
import { DashboardWebhooksController } from './dashboard-webhooks.controller';
import { DashboardWebhooksService } from './dashboard-webhooks.service';
import { DashboardRepository } from './dashboard.repository';
import { PasswordHasher } from './password-hasher';

// The merchant staff's web surface at /dashboard (HTTP only). It acts through the same services
// as the merchant API, with a dashboard principal, so rules, audit rows and events are the same.
@Module({
  imports: [MerchantModule, CustomerModule, PortalLinkModule, ReconciliationModule, WebhookModule, MailModule],
  controllers: [
    DashboardAuthController,
    DashboardOverviewController,
    DashboardCustomersController,
    DashboardPaymentsController,
    DashboardClaimsController,
    DashboardSettingsController,
    DashboardWebhooksController,
    // Last: the catch-all for unknown dashboard paths.
    DashboardNotFoundController,
  ],
  providers: [
    DashboardUserRepository,
    DashboardSessionRepository,
    DashboardRepository,
    // The portal's customer-scoped reads, reused for the customer page.
    PortalRepository,
    DashboardSessionService,
    DashboardSessionGuard,
    DashboardErrorFilter,
    DashboardLayoutService,
    DashboardAuthService,
    PasswordHasher,
    DashboardUserService,
    DashboardOverviewService,
    DashboardCustomersService,
    DashboardPaymentsService,
    DashboardClaimsRepository,
    DashboardClaimsService,
    DashboardSettingsService,
    DashboardApiKeysService,
    DashboardWebhooksService,
  ],
  exports: [DashboardUserService],
})
export class DashboardModule {}
