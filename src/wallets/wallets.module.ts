import { Module } from '@nestjs/common';
import { CustomerModule } from '../customers/customer.module';
import { RateLimiter } from '../infra/rate-limiter';
import { MerchantModule } from '../merchants/merchant.module';
import { PortalLinkModule } from '../portal-links/portal-link.module';
import { PortalSessionGuard } from '../portal/portal-session.guard';
import { PortalSessionService } from '../portal/portal-session.service';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { SiweService } from './siwe.service';
import { WalletRepository } from './wallet.repository';
import { WalletService } from './wallet.service';
import { WalletsController } from './wallets.controller';

// The portal's wallet pages. The session guard and its service are stateless over the database,
// so this module provides its own instances rather than reaching into the portal module.
@Module({
  imports: [MerchantModule, CustomerModule, PortalLinkModule, ReconciliationModule],
  controllers: [WalletsController],
  providers: [SiweService, WalletRepository, WalletService, PortalSessionGuard, PortalSessionService, RateLimiter],
})
export class WalletsModule {}
