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
import { allowFraming } from './portal-http';
import { httpsOrigins } from '../portal-links/portal-link.service';
import { AccessCsrf } from '../portal-access/access-csrf';
import type { FastifyReply } from 'fastify';
import type { MerchantEntity } from '../merchants/merchant.entity';

// Failures per client IP, and attempts per customer once a token decodes.
export const IP_FAILURES: RateLimit = { name: 'link-fail-ip', limit: 20, windowSeconds: 60 };
export const CUSTOMER_ATTEMPTS: RateLimit = { name: 'link-customer', limit: 30, windowSeconds: 60 };

export const LINK_INVALID_MESSAGE = 'This billing link is invalid or has expired. Ask the merchant for a new link.';

// The uniform link failure, carrying the merchant when the token's MAC verified (an expired, spent
// or revoked link of a real merchant): the page then offers that merchant's fresh-link form.
// Forged or garbage tokens carry nothing, so the page cannot be made to name a merchant.
export class LinkInvalidPage extends DomainError {
  constructor(readonly merchant: MerchantEntity | null = null, readonly embed = false) {
    super('portal_link_invalid', LINK_INVALID_MESSAGE);
  }
}

// The token routes: verify with no side effects on GET; exchange for a session on POST.
@Injectable()
export class LinkEntryService {
  constructor(
    private readonly links: PortalLinkService,
    private readonly sessions: PortalSessionService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.accessCsrf = new AccessCsrf(config.env.MASTER_KEY);
  }

  private readonly accessCsrf: AccessCsrf;

  async interstitial(token: string, ip: string, hasQuery: boolean, reply: FastifyReply) {
    const link = await this.check(token, ip, hasQuery);
    const brand = new PortalPresenter(this.config, this.clock.now()).brand(link.merchant);
    const embed = link.payload.emb;
    if (embed) allowFraming(reply, httpsOrigins(link.merchant.embedOrigins));
    // embed-check.js offers the same link in a new tab when the frame cannot keep cookies; the
    // token is not spent yet, so it still works there (and is already on this page, in the form).
    return { title: `Continue to ${link.merchant.name} billing`, brand, token, maskedEmail: maskEmail(link.customer.email), minimal: true, embed, entryPath: `/p/${token}` };
  }

  // The failure page's model: with a known merchant, its fresh-link form (or, inside an iframe,
  // a link to its entry page in a new tab); framable by that merchant's origins for embed links.
  invalidPage(page: LinkInvalidPage, reply: FastifyReply): Record<string, unknown> {
    if (!page.merchant) return {};
    const slug = page.merchant.slug;
    // Unbranded: the page differs from the uniform one only by the fresh-link block.
    if (page.embed) {
      allowFraming(reply, httpsOrigins(page.merchant.embedOrigins));
      return { access: { slug, embed: true } };
    }
    const csrfToken = this.accessCsrf.pageToken(slug, Math.floor(this.clock.now().getTime() / 1000));
    return { access: { slug, embed: false, csrfToken } };
  }

  // Where an embedded exchange lands: with the cookie in place the session continues to its page;
  // without it (third-party cookies blocked) the frame explains and offers a new tab.
  async embedLanding(slug: string | undefined, reply: FastifyReply) {
    const merchant = typeof slug === 'string' && /^[a-z0-9][a-z0-9-]{1,62}$/.test(slug) ? await this.links.merchantBySlug(slug) : null;
    if (merchant) allowFraming(reply, httpsOrigins(merchant.embedOrigins));
    const brand = merchant ? new PortalPresenter(this.config, this.clock.now()).brand(merchant) : null;
    return { title: 'Open billing in a new tab', brand, minimal: true, entryPath: merchant ? `/m/${merchant.slug}/portal` : null };
  }

  async exchange(token: string, ip: string, previousSid: string | undefined, reply: FastifyReply): Promise<{ sid: string; location: string; embed: boolean }> {
    const link = await this.check(token, ip, false);
    try {
      await this.links.spend(link);
    } catch (err) {
      throw err instanceof PortalLinkInvalid ? new LinkInvalidPage(link.merchant, link.payload.emb) : err;
    }
    // Never reuse an id the browser brought with it (session fixation).
    await this.sessions.destroy(previousSid);
    const { sid } = await this.sessions.create(link);
    const location = deepLink(link.payload.pg);
    if (!link.payload.emb) return { sid, location, embed: false };
    allowFraming(reply, httpsOrigins(link.merchant.embedOrigins));
    // Embedded: land on a page that can tell whether the partitioned cookie stuck.
    const landing = `/p/embedded?m=${encodeURIComponent(link.merchant.slug)}&next=${encodeURIComponent(location)}`;
    return { sid, location: landing, embed: true };
  }

  private async check(token: string, ip: string, hasQuery: boolean): Promise<VerifiedLink> {
    await this.limiter.check(IP_FAILURES, ip);
    try {
      if (hasQuery) throw new PortalLinkInvalid('format');
      const link = await this.links.verify(token);
      await this.limiter.hit(CUSTOMER_ATTEMPTS, `${link.payload.mid}:${link.payload.cid}`);
      return link;
    } catch (err) {
      if (!(err instanceof PortalLinkInvalid)) throw err;
      await this.limiter.count(IP_FAILURES, ip);
      const known = await this.links.merchantOf(token);
      throw new LinkInvalidPage(known?.merchant ?? null, known?.embed ?? false);
    }
  }

}

// The landing page's next hop: only a page deepLink itself produces (no open redirect).
export function safePortalPath(next: unknown): string {
  return typeof next === 'string' && /^\/portal(\/(invoices|payments|profile|wallets|activity|invoices\/[a-z]{2,5}_[0-9A-Za-z]{22}|subscriptions\/[a-z]{2,5}_[0-9A-Za-z]{22}))?$/.test(next) ? next : '/portal';
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
    case 'wallets':
      return '/portal/wallets';
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
