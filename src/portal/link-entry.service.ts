import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { RateLimiter, type RateLimit } from '../infra/rate-limiter';
import { PortalLinkService, type VerifiedLink } from '../portal-links/portal-link.service';
import { PortalLinkInvalid } from '../portal-links/portal-link.signer';
import { PortalPresenter } from './portal.presenter';
import { PortalSessionService } from './portal-session.service';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { maskEmail } from './view-helpers';

// Failures per client IP, and attempts per customer once a token decodes.
export const IP_FAILURES: RateLimit = { name: 'link-fail-ip', limit: 20, windowSeconds: 60 };
export const CUSTOMER_ATTEMPTS: RateLimit = { name: 'link-customer', limit: 30, windowSeconds: 60 };

export const LINK_INVALID_MESSAGE = 'This billing link is invalid or has expired. Ask the merchant for a new link.';

// The token routes: verify with no side effects on GET; exchange for a session on POST.
@Injectable()
export class LinkEntryService {
  constructor(
    private readonly links: PortalLinkService,
    private readonly sessions: PortalSessionService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async interstitial(token: string, ip: string, hasQuery: boolean) {
    const link = await this.check(token, ip, hasQuery);
    const brand = new PortalPresenter(this.config, this.clock.now()).brand(link.merchant);
    return { title: `Continue to ${link.merchant.name} billing`, brand, token, maskedEmail: maskEmail(link.customer.email), minimal: true };
  }

  async exchange(token: string, ip: string, previousSid: string | undefined): Promise<{ sid: string; location: string; embed: boolean }> {
    const link = await this.check(token, ip, false);
    try {
      await this.links.spend(link);
    } catch (err) {
      throw this.invalid(err);
    }
    // Never reuse an id the browser brought with it (session fixation).
    await this.sessions.destroy(previousSid);
    const { sid } = await this.sessions.create(link);
    return { sid, location: deepLink(link.payload.pg), embed: link.payload.emb };
  }

  private async check(token: string, ip: string, hasQuery: boolean): Promise<VerifiedLink> {
    await this.limiter.check(IP_FAILURES, ip);
    try {
      if (hasQuery) throw new PortalLinkInvalid('format');
      const link = await this.links.verify(token);
      await this.limiter.hit(CUSTOMER_ATTEMPTS, `${link.payload.mid}:${link.payload.cid}`);
      return link;
    } catch (err) {
      if (err instanceof PortalLinkInvalid) await this.limiter.count(IP_FAILURES, ip);
      throw this.invalid(err);
    }
  }

  private invalid(err: unknown): unknown {
    return err instanceof PortalLinkInvalid ? new DomainError('portal_link_invalid', LINK_INVALID_MESSAGE) : err;
  }
}

// Deep links open a page of the session's own customer; ids are checked there, so a bad id is a 404.
export function deepLink(pg: string | null): string {
  if (!pg) return '/portal';
  const [kind, id] = pg.split(':');
  switch (kind) {
    case 'invoices':
      return '/portal/invoices';
    case 'payments':
      return '/portal/payments';
    case 'profile':
      return '/portal/profile';
    case 'invoice':
    case 'pay':
      return id ? `/portal/invoices/${id}` : '/portal/invoices';
    case 'subscription':
    case 'cancel':
      return id ? `/portal/subscriptions/${id}` : '/portal';
    default:
      return '/portal';
  }
}
