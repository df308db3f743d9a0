import { Injectable } from '@nestjs/common';
import { ChangeRecorder, diff } from '../audit/change-recorder.service';
import { AppConfig } from '../config/app-config';
import { DomainError, NotFoundError } from '../common/errors';
import { newId, randomBase62 } from '../common/ids';
import type { Principal } from '../common/tenant';
import { Db } from '../database/db.service';
import { ApiKeyService, type CreatedApiKey } from './api-key.service';
import { DEFAULT_BILLING_SETTINGS, DEFAULT_BRANDING, DEFAULT_PORTAL_SETTINGS } from './merchant.defaults';
import type { UpdateMerchantInput } from './merchant.dto';
import { MerchantEntity } from './merchant.entity';
import { merchantView, type MerchantView } from './merchant.presenter';
import { MerchantRepository } from './merchant.repository';
import type { Scope } from './scopes';

export interface CreatedMerchant {
  merchant: MerchantView;
  apiKey: { id: string; secret: string; livemode: boolean; scopes: string[] };
}

@Injectable()
export class MerchantService {
  constructor(
    private readonly db: Db,
    private readonly merchants: MerchantRepository,
    private readonly apiKeys: ApiKeyService,
    private readonly changes: ChangeRecorder,
    private readonly config: AppConfig,
  ) {}

  // Operator action (CLI): a merchant and its first test-mode key, whose secret is shown once.
  async create(input: { name: string; slug?: string; livemode?: boolean }): Promise<CreatedMerchant> {
    return this.db.transaction(async () => {
      const slug = input.slug ?? (await this.freeSlug(input.name));
      if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(slug)) throw new DomainError('validation_failed', 'slug: 2-63 of a-z 0-9 -');
      if (await this.merchants.slugExists(slug)) throw new DomainError('already_exists', `merchant slug ${slug} is taken`);
      const merchant = await this.merchants.save(
        Object.assign(new MerchantEntity(), {
          id: newId('mer'),
          name: input.name,
          slug,
          status: 'active',
          branding: DEFAULT_BRANDING,
          portalSettings: DEFAULT_PORTAL_SETTINGS,
          billingSettings: DEFAULT_BILLING_SETTINGS,
          returnUrlPrefixes: [],
          embedOrigins: [],
          defaultLinkTtlSeconds: 86_400,
          receivingAddresses: {},
        }),
      );
      const key = await this.createApiKey(merchant.id, { livemode: input.livemode ?? false, name: 'Default key', createdBy: 'cli' });
      return { merchant: merchantView(merchant), apiKey: key };
    });
  }

  async createApiKey(merchantId: string, input: { livemode: boolean; name: string; scopes?: readonly Scope[]; createdBy: string }): Promise<CreatedMerchant['apiKey']> {
    const merchant = await this.merchants.getById(merchantId);
    if (!merchant) throw new NotFoundError('merchant', merchantId);
    const created: CreatedApiKey = await this.apiKeys.create(merchantId, input);
    await this.changes.record({ merchantId, livemode: input.livemode }, { type: 'cli', id: input.createdBy, initiator: 'system' }, {
      action: 'api_key.create',
      eventType: null,
      targetType: 'api_key',
      targetId: created.apiKey.id,
      object: {},
      after: { id: created.apiKey.id, prefix: created.apiKey.prefix, scopes: created.apiKey.scopes },
    });
    return { id: created.apiKey.id, secret: created.secret, livemode: created.apiKey.livemode, scopes: created.apiKey.scopes };
  }

  async get(merchantId: string): Promise<MerchantView> {
    const merchant = await this.merchants.getById(merchantId);
    if (!merchant) throw new NotFoundError('merchant', merchantId);
    return merchantView(merchant);
  }

  async update(principal: Principal, input: UpdateMerchantInput): Promise<MerchantView> {
    return this.db.transaction(async () => {
      const merchant = await this.merchants.getForUpdate(principal.merchantId);
      if (!merchant) throw new NotFoundError('merchant', principal.merchantId);
      const before = merchantView(merchant);
      if (input.name !== undefined) merchant.name = input.name;
      if (input.branding) merchant.branding = { ...merchant.branding, ...input.branding };
      if (input.portalSettings) merchant.portalSettings = { ...merchant.portalSettings, ...input.portalSettings };
      if (input.billingSettings) merchant.billingSettings = { ...merchant.billingSettings, ...input.billingSettings };
      if (input.returnUrlPrefixes) merchant.returnUrlPrefixes = input.returnUrlPrefixes;
      if (input.embedOrigins) merchant.embedOrigins = input.embedOrigins;
      if (input.defaultLinkTtlSeconds !== undefined) merchant.defaultLinkTtlSeconds = input.defaultLinkTtlSeconds;
      if (input.receivingAddresses) merchant.receivingAddresses = this.mergeAddresses(merchant.receivingAddresses, input.receivingAddresses);
      const saved = await this.merchants.save(merchant);
      const after = merchantView(saved);
      await this.changes.record(principal, principal.actor, {
        action: 'merchant.update',
        eventType: null,
        targetType: 'merchant',
        targetId: saved.id,
        object: after,
        ...diff(before, after),
      });
      return after;
    });
  }

  private mergeAddresses(current: Record<string, string>, patch: Record<string, string | null>): Record<string, string> {
    const next = { ...current };
    for (const [chainId, address] of Object.entries(patch)) {
      if (!this.config.chain(Number(chainId))) {
        throw new DomainError('validation_failed', `receivingAddresses: chain ${chainId} is not configured`, [{ path: `receivingAddresses.${chainId}`, message: 'unknown chain' }]);
      }
      if (address === null) delete next[chainId];
      else next[chainId] = address;
    }
    return next;
  }

  private async freeSlug(name: string): Promise<string> {
    const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'merchant';
    const slug = base.length >= 2 ? base : `${base}-m`;
    return (await this.merchants.slugExists(slug)) ? `${slug}-${randomBase62(6).toLowerCase()}` : slug;
  }
}
