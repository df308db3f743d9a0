import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { AppConfig } from '../config/app-config';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface MailResult {
  sent: boolean;
  messageId?: string;
}

// Outgoing email over SMTP_URL. Without it mail is a logged no-op, so development and the demo run
// without a mail server; callers never need to know which.
@Injectable()
export class MailerService implements OnApplicationShutdown {
  private readonly logger = new Logger(MailerService.name);
  private readonly transport: Transporter | null;
  private readonly from: string;

  constructor(config: AppConfig) {
    const url = config.env.SMTP_URL;
    this.from = config.env.SMTP_FROM;
    this.transport = url ? createTransport(url) : null;
  }

  get enabled(): boolean {
    return this.transport !== null;
  }

  async send(message: MailMessage): Promise<MailResult> {
    if (!this.transport) {
      // The subject only: bodies carry links and personal data.
      this.logger.warn({ subject: message.subject }, 'SMTP_URL is not set; email not sent');
      return { sent: false };
    }
    const info = (await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text, html: message.html })) as { messageId?: string };
    return { sent: true, messageId: info.messageId };
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
