import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError, NotFoundError } from '../common/errors';
import { newId } from '../common/ids';
import type { Principal } from '../common/tenant';
import type { CustomerEntity } from '../customers/customer.entity';
import { CustomerRepository } from '../customers/customer.repository';
import { Db } from '../database/db.service';
import { MerchantEntity } from '../merchants/merchant.entity';
import { MerchantRepository } from '../merchants/merchant.repository';
import { LinkKeyService } from './link-key.service';
import type { CreatePortalLinkInput } from './portal-link.dto';
import { PortalLinkEntity } from './portal-link.entity';
import { PortalLinkRepository } from './portal-link.repository';
import { checkTimes, decodePayload, MAX_TOKEN_LENGTH, parseToken, PORTAL_SCOPES, PortalLinkInvalid, signPortalLink, verifyMac, type PortalLinkPayload } from './portal-link.signer';
import { PortalSessionRepository } from './portal-session.repository';
import { isAllowedReturnUrl } from './return-url';

export interface VerifiedLink {
  payload: PortalLinkPayload;
  customer: CustomerEntity;
  merchant: MerchantEntity;
}

// Logs identify a token by a short hash, never by its value.
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

@Injectable()
export class PortalLinkService {
  private readonly logger = new Logger('PortalLinks');

  constructor(
    private readonly db: Db,
    private readonly keys: LinkKeyService,
    private readonly links: PortalLinkRepository,
    private readonly sessions: PortalSessionRepository,
    private readonly customers: CustomerRepository,
    private readonly merchants: MerchantRepository,
    private readonly changes: ChangeRecorder,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async mint(principal: Principal, input: Omit<CreatePortalLinkInput, 'embed'> & { embed?: boolean }) {
    return this.db.transaction(async () => {
      const customer = await this.customers.getById(principal, input.customerId);
      if (customer.deletedAt) throw new NotFoundError('customer', input.customerId);
      const merchant = (await this.merchants.getById(principal.merchantId))!;
      if (input.returnUrl && !isAllowedReturnUrl(input.returnUrl, merchant.returnUrlPrefixes)) {
        throw new DomainError('validation_failed', 'returnUrl does not match any of the merchant\'s allowed return-URL prefixes (PATCH /api/v1/merchant returnUrlPrefixes)', [
          { path: 'returnUrl', message: 'not an allowed prefix' },
        ]);
      }
      // An embed link without origins could never be framed anywhere: refuse it at mint.
      if (input.embed && httpsOrigins(merchant.embedOrigins).length === 0) {
        throw new DomainError('validation_failed', 'embed links need at least one https origin in the merchant\'s embedOrigins (PATCH /api/v1/merchant embedOrigins)', [
          { path: 'embed', message: 'the merchant has no embedOrigins' },
        ]);
      }
      const key = await this.keys.current(principal.merchantId, principal.livemode);
      const iat = Math.floor(this.clock.now().getTime() / 1000);
      const lifetime = input.expiresIn ?? merchant.defaultLinkTtlSeconds;
      const payload: PortalLinkPayload = {
        v: 1,
        mid: principal.merchantId,
        cid: customer.id,
        iat,
        exp: iat + lifetime,
        jti: newId('pl'),
        epoch: customer.portalTokenEpoch,
        scp: (input.scopes ?? [...PORTAL_SCOPES]) as PortalLinkPayload['scp'],
        pg: input.initialPage ?? null,
        ret: input.returnUrl ?? null,
        su: input.singleUse,
        emb: input.embed ?? false,
      };
      const token = signPortalLink(key.secret, key.kid, payload);
      // Verification refuses tokens over MAX_TOKEN_LENGTH, so a long return URL or deep link would
      // otherwise mint a link that can never open.
      if (token.length > MAX_TOKEN_LENGTH) {
        throw new DomainError('validation_failed', `The link would exceed ${MAX_TOKEN_LENGTH} characters; use a shorter returnUrl`, [
          { path: 'returnUrl', message: 'too long for a portal link' },
        ]);
      }
      const link = await this.links.insert(
        Object.assign(new PortalLinkEntity(), {
          id: payload.jti,
          merchantId: principal.merchantId,
          livemode: principal.livemode,
          customerId: customer.id,
          createdBy: principal.actor.id,
          singleUse: payload.su,
          scopes: payload.scp,
          initialPage: payload.pg,
          returnUrl: payload.ret,
          expiresAt: new Date(payload.exp * 1000),
          revokedAt: null,
          spentAt: null,
        }),
      );
      const view = linkView(link);
      // The event and audit row describe the link; the URL is a credential and stays out of both.
      await this.changes.record(principal, principal.actor, {
        action: 'portal_link.create',
        eventType: 'portal.link_created',
        targetType: 'portal_link',
        targetId: link.id,
        customerId: customer.id,
        object: view,
        after: view,
      });
      return { ...view, embed: payload.emb, url: `${this.config.env.PUBLIC_BASE_URL.replace(/\/$/, '')}/p/${token}` };
    });
  }

  // Uniform failure: every cause throws PortalLinkInvalid; the reason only reaches the log.
  async verify(token: string): Promise<VerifiedLink> {
    try {
      return await this.verifyOrThrow(token);
    } catch (err) {
      const reason = err instanceof PortalLinkInvalid ? err.reason : 'format';
      if (!(err instanceof PortalLinkInvalid)) this.logger.warn({ token: tokenFingerprint(String(token)), err: (err as Error)?.message }, 'portal link check raised');
      this.logger.log({ token: tokenFingerprint(String(token)), reason }, 'portal link rejected');
      throw err instanceof PortalLinkInvalid ? err : new PortalLinkInvalid('format');
    }
  }

  private async verifyOrThrow(token: string): Promise<VerifiedLink> {
    const parsed = parseToken(token);
    const key = await this.keys.forVerification(parsed.kid);
    if (!key) throw new PortalLinkInvalid('unknown_kid');
    if (!verifyMac(key.secret, parsed)) throw new PortalLinkInvalid('bad_mac');
    const payload = decodePayload(parsed.payloadB64);
    if (payload.mid !== key.merchantId) throw new PortalLinkInvalid('wrong_merchant');
    checkTimes(payload, Math.floor(this.clock.now().getTime() / 1000));
    const merchant = await this.merchants.getById(payload.mid);
    if (!merchant || merchant.status !== 'active') throw new PortalLinkInvalid('wrong_merchant');
    const customer = await this.customers.findInMerchant(payload.mid, payload.cid);
    if (!customer || customer.deletedAt || customer.portalTokenEpoch !== payload.epoch) throw new PortalLinkInvalid(customer ? 'revoked' : 'customer');
    // A test-mode secret opens only test customers, a live one only live customers.
    if (customer.livemode !== key.livemode) throw new PortalLinkInvalid('wrong_merchant');
    const link = await this.links.find(payload.mid, payload.jti);
    if (link?.revokedAt) throw new PortalLinkInvalid('revoked');
    if (payload.su && link?.spentAt) throw new PortalLinkInvalid('spent');
    if (payload.ret && !isAllowedReturnUrl(payload.ret, merchant.returnUrlPrefixes)) throw new PortalLinkInvalid('payload');
    return { payload, customer, merchant };
  }

  // The merchant behind a token whose MAC verifies, even if it has expired, was spent or revoked:
  // the failure page may then offer that merchant's "email me a fresh link" form. Garbage and
  // forged tokens (no valid MAC) name no merchant.
  async merchantOf(token: string): Promise<{ merchant: MerchantEntity; embed: boolean } | null> {
    try {
      const parsed = parseToken(token);
      const key = await this.keys.forVerification(parsed.kid);
      if (!key || !verifyMac(key.secret, parsed)) return null;
      const payload = decodePayload(parsed.payloadB64);
      if (payload.mid !== key.merchantId) return null;
      const merchant = await this.merchants.getById(payload.mid);
      return merchant && merchant.status === 'active' ? { merchant, embed: payload.emb } : null;
    } catch {
      return null;
    }
  }

  merchantBySlug(slug: string): Promise<MerchantEntity | null> {
    return this.db.repo(MerchantEntity).findOneBy({ slug, status: 'active' });
  }

  // Single-use links are spent here, on the POST, never on GET.
  async spend(link: VerifiedLink): Promise<void> {
    const { payload, customer } = link;
    if (!payload.su) return;
    const spent = await this.links.spend(payload.mid, payload.jti, {
      id: payload.jti,
      merchantId: payload.mid,
      livemode: customer.livemode,
      customerId: customer.id,
      createdBy: 'offline',
      singleUse: true,
      scopes: payload.scp,
      initialPage: payload.pg,
      returnUrl: payload.ret,
      expiresAt: new Date(payload.exp * 1000),
      revokedAt: null,
      spentAt: null,
    }, this.clock.now());
    if (!spent) throw new PortalLinkInvalid('spent');
  }

  async revokeAll(principal: Principal, customerId: string) {
    return this.db.transaction(async () => {
      const customer = await this.customers.getForUpdate(principal, customerId);
      const before = customer.portalTokenEpoch;
      customer.portalTokenEpoch += 1;
      await this.customers.save(customer);
      const sessions = await this.sessions.deleteForCustomer(principal.merchantId, customer.id);
      await this.changes.record(principal, principal.actor, {
        action: 'portal_link.revoke_all',
        eventType: null,
        targetType: 'customer',
        targetId: customer.id,
        customerId: customer.id,
        object: { customerId: customer.id },
        before: { portalTokenEpoch: before },
        after: { portalTokenEpoch: customer.portalTokenEpoch },
      });
      return { object: 'portal_link_revocation' as const, customerId: customer.id, portalTokenEpoch: customer.portalTokenEpoch, sessionsEnded: sessions };
    });
  }

  async revokeOne(principal: Principal, linkId: string) {
    return this.db.transaction(async () => {
      const link = await this.links.revoke(principal, linkId, this.clock.now());
      if (!link) throw new NotFoundError('portal link', linkId);
      const sessions = await this.sessions.deleteForLink(principal.merchantId, linkId);
      await this.changes.record(principal, principal.actor, {
        action: 'portal_link.revoke',
        eventType: null,
        targetType: 'portal_link',
        targetId: linkId,
        customerId: link.customerId,
        object: linkView(link),
      });
      return { ...linkView({ ...link, revokedAt: link.revokedAt ?? this.clock.now() }), sessionsEnded: sessions };
    });
  }
}

function linkView(link: PortalLinkEntity) {
  return {
    id: link.id,
    object: 'portal_link' as const,
    livemode: link.livemode,
    customerId: link.customerId,
    expiresAt: link.expiresAt.toISOString(),
    singleUse: link.singleUse,
    scopes: link.scopes,
    initialPage: link.initialPage,
    returnUrl: link.returnUrl,
    revokedAt: link.revokedAt?.toISOString() ?? null,
  };
}

// The origins a page may be framed by: exact https origins only, never a wildcard or http:.
export function httpsOrigins(origins: readonly string[]): string[] {
  return origins.filter((o) => /^https:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(o) && !o.includes('*'));
}
