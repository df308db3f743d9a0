import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { PortalLinkModule } from '../portal-links/portal-link.module';
import { PortalAccessController } from './portal-access.controller';
import { PortalAccessService } from './portal-access.service';

// The merchant's hosted entry page: a customer asks for a fresh portal link by email.
@Module({
  imports: [PortalLinkModule, MailModule],
  controllers: [PortalAccessController],
  providers: [PortalAccessService],
})
export class PortalAccessModule {}
