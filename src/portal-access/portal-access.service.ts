import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock';
import { NotFoundError } from '../common/errors';
import type { Principal } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { Db } from '../database/db.service';
import { RateLimiter, type RateLimit } from '../infra/rate-limiter';
import { MailerService } from '../mail/mailer.service';
import { MerchantEntity } from '../merchants/merchant.entity';
import { PortalLinkService } from '../portal-links/portal-link.service';
import { PortalPresenter } from '../portal/portal.presenter';
import { AccessCsrf } from './access-csrf';

// Requests per client IP (across merchants), and per merchant + email address.
export const ACCESS_IP_LIMIT: RateLimit = { name: 'access-ip', limit: 10, windowSeconds: 3600 };
export const ACCESS_EMAIL_LIMIT: RateLimit = { name: 'access-email', limit: 3, windowSeconds: 3600 };

export const EMAILED_LINK_SECONDS = 3600;
const MAX_LINKS_PER_REQUEST = 5;

const ACCESS_PRINCIPAL_ACTOR = { type: 'system', id: 'email-access', initiator: 'customer_portal' } as const;

// Lower-case, surrounding spaces removed: how the form's address is matched to the stored one.
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

// "Email me a fresh link": the merchant's hosted entry page. The answer never depends on whether
// the address is known: matching, minting and mailing happen after the response, off the request.
@Injectable()
export class PortalAccessService implements OnApplicationShutdown {
  private readonly logger = new Logger('PortalAccess');
  private readonly csrf: AccessCsrf;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly links: PortalLinkService,
    private readonly mailer: MailerService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.csrf = new AccessCsrf(config.env.MASTER_KEY);
  }

  async merchant(slug: string): Promise<MerchantEntity> {
    const merchant = /^[a-z0-9][a-z0-9-]{1,62}$/.test(slug) ? await this.links.merchantBySlug(slug) : null;
    if (!merchant) throw new NotFoundError('page');
    return merchant;
  }

  page(merchant: MerchantEntity, existingNonce: string | undefined, sent: boolean) {
    const form = this.csrf.form(merchant.slug, existingNonce);
    const brand = new PortalPresenter(this.config, this.clock.now()).brand(merchant);
    return {
      model: { title: `${merchant.name} billing`, brand, minimal: true, slug: merchant.slug, csrfToken: form.csrfToken, sent },
      setNonce: form.fresh ? form.nonce : null,
    };
  }

  // The entry page's cookie-bound token, or the link-failure page's signed one (which only counts
  // when the browser positively said the POST is same-origin).
  checkCsrf(slug: string, nonce: unknown, token: unknown, positivelySameOrigin: boolean): boolean {
    if (this.csrf.check(slug, nonce, token)) return true;
    return positivelySameOrigin && this.csrf.checkPageToken(slug, token, Math.floor(this.clock.now().getTime() / 1000));
  }

  async request(merchant: MerchantEntity, email: string, ip: string): Promise<void> {
    const address = normaliseEmail(email);
    await this.limiter.hit(ACCESS_IP_LIMIT, ip);
    // Hashed: the limiter's keys are not a list of the addresses people typed.
    await this.limiter.hit(ACCESS_EMAIL_LIMIT, `${merchant.id}:${createHash('sha256').update(address).digest('hex').slice(0, 32)}`);
    const job = this.deliver(merchant, address)
      .catch((err: unknown) => this.logger.error({ merchantId: merchant.id, err: (err as Error)?.message }, 'fresh-link email failed'))
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  // Resolves once every queued delivery has finished (tests; shutdown).
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.idle();
  }

  // Live customers win: an address with a live customer is a real buyer, and test customers with
  // the same address are the merchant's own experiments. Only when no live customer matches do the
  // test-mode ones get links. One single-use, 60-minute link per matching customer, each sent to
  // the address on file (the form's spelling is never used as a recipient).
  private async deliver(merchant: MerchantEntity, address: string): Promise<void> {
    const rows: Array<{ id: string; livemode: boolean; email: string }> = await this.db.manager.query(
      `SELECT id, livemode, email FROM customer WHERE merchant_id = $1 AND deleted_at IS NULL AND lower(btrim(email)) = $2 ORDER BY livemode DESC, created_at ASC, id ASC LIMIT $3`,
      [merchant.id, address, MAX_LINKS_PER_REQUEST * 2],
    );
    if (rows.length === 0) return;
    const mode = rows[0].livemode;
    for (const customer of rows.filter((r) => r.livemode === mode).slice(0, MAX_LINKS_PER_REQUEST)) {
      const principal: Principal = { merchantId: merchant.id, livemode: customer.livemode, actor: { ...ACCESS_PRINCIPAL_ACTOR }, scopes: new Set(), apiKeyId: null };
      const link = await this.links.mint(principal, { customerId: customer.id, expiresIn: EMAILED_LINK_SECONDS, singleUse: true, embed: false });
      await this.mailer.send({
        to: customer.email.trim(),
        subject: `Your ${merchant.name} billing link`,
        text: [
          `Here is your link to ${merchant.name} billing${customer.livemode ? '' : ' (test mode)'}:`,
          '',
          link.url,
          '',
          'It works once and expires in 60 minutes. If you did not ask for it, ignore this email.',
        ].join('\n'),
      });
    }
  }
}
