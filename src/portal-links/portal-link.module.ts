import { Module } from '@nestjs/common';
import { CustomerModule } from '../customers/customer.module';
import { MerchantModule } from '../merchants/merchant.module';
import { LinkKeyRepository } from './link-key.repository';
import { LinkKeyService } from './link-key.service';
import { PortalLinkController } from './portal-link.controller';
import { PortalLinkRepository } from './portal-link.repository';
import { PortalLinkService } from './portal-link.service';
import { PortalSessionRepository } from './portal-session.repository';

@Module({
  imports: [MerchantModule, CustomerModule],
  controllers: [PortalLinkController],
  providers: [LinkKeyRepository, LinkKeyService, PortalLinkRepository, PortalLinkService, PortalSessionRepository],
  exports: [LinkKeyService, PortalLinkService, PortalSessionRepository],
})
export class PortalLinkModule {}
