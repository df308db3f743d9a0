import { Module } from '@nestjs/common';
import { MailerService } from './mailer.service';

// Email for any feature that needs it (webhook endpoint notices, dashboard sign-in links, portal links).
@Module({
  providers: [MailerService],
  exports: [MailerService],
})
export class MailModule {}
