import { Module } from '@nestjs/common';
import { CustomerModule } from '../customers/customer.module';
import { MerchantModule } from '../merchants/merchant.module';
import { PortalLinkModule } from '../portal-links/portal-link.module';
import { LinkEntryController } from './link-entry.controller';
import { LinkEntryService } from './link-entry.service';
import { PortalController } from './portal.controller';
import { PortalRepository } from './portal.repository';
import { PortalService } from './portal.service';
import { PortalSessionGuard } from './portal-session.guard';
import { PortalSessionService } from './portal-session.service';
import { SignedOutController } from './signed-out.controller';

@Module({
  imports: [MerchantModule, CustomerModule, PortalLinkModule],
  controllers: [LinkEntryController, SignedOutController, PortalController],
  providers: [PortalRepository, PortalService, PortalSessionService, PortalSessionGuard, LinkEntryService],
  // The self-service modules build on the same session guard and reads.
  exports: [PortalRepository, PortalSessionService, PortalSessionGuard],
})
export class PortalModule {}
