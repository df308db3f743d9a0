import { Module } from '@nestjs/common';
import { PortalModule } from '../portal/portal.module';
import { CustomerModule } from '../customers/customer.module';
import { MerchantModule } from '../merchants/merchant.module';
import { PortalLinkModule } from '../portal-links/portal-link.module';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { SiweService } from './siwe.service';
import { WalletRepository } from './wallet.repository';
import { WalletService } from './wallet.service';
import { WalletsController } from './wallets.controller';

// The portal's wallet pages: Sign-In with Ethereum challenges, verification, linking and unlinking.
@Module({
  imports: [PortalModule, MerchantModule, CustomerModule, PortalLinkModule, ReconciliationModule],
  controllers: [WalletsController],
  providers: [SiweService, WalletRepository, WalletService],
})
export class WalletsModule {}
