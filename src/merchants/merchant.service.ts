import { Injectable } from '@nestjs/common';
import { ChangeRecorder, diff } from '../audit/change-recorder.service';
import { AppConfig } from '../config/app-config';
import { DomainError, NotFoundError } from '../common/errors';
import { newId, randomBase62 } from '../common/ids';
import type { Principal } from '../common/tenant';
import { Db } from '../database/db.service';
import { ApiKeyService, type CreatedApiKey } from './api-key.service';
import { DEFAULT_BILLING_SETTINGS, DEFAULT_BRANDING, DEFAULT_PORTAL_SETTINGS } from './merchant.defaults';
import type { AddressChallengeInput, UpdateMerchantInput } from './merchant.dto';
import { MerchantEntity } from './merchant.entity';
import { merchantView, type MerchantView } from './merchant.presenter';
import { MerchantRepository } from './merchant.repository';
import { ReceivingAddressService, type AddressProofInput, type VerifiedProof } from './receiving-address.service';
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
    private readonly addresses: ReceivingAddressService,
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
    const wanted = input.receivingAddresses ? this.wantedAddresses(input.receivingAddresses) : new Map<number, string | null>();
    // Checked before the write so a refused address spends no challenge; proofs are spent (and
    // committed) before the write, so a failed save cannot hand one back for a second try.
    const proofs = wanted.size > 0 ? await this.checkAddresses(principal.merchantId, wanted, input.addressProofs ?? {}) : new Map<number, VerifiedProof>();
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
      if (wanted.size > 0) merchant.receivingAddresses = await this.applyAddresses(principal, merchant.receivingAddresses, wanted, proofs);
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

  createAddressChallenge(principal: Principal, input: AddressChallengeInput) {
    return this.addresses.createChallenge(principal.merchantId, input);
  }

  // chain id → address (null: remove), keyed by the chain's number so "0031337" cannot slip past.
  private wantedAddresses(patch: Record<string, string | null>): Map<number, string | null> {
    const wanted = new Map<number, string | null>();
    for (const [chainId, address] of Object.entries(patch)) {
      if (!this.config.chain(Number(chainId))) {
        throw new DomainError('validation_failed', `receivingAddresses: chain ${chainId} is not configured`, [{ path: `receivingAddresses.${chainId}`, message: 'unknown chain' }]);
      }
      wanted.set(Number(chainId), address);
    }
    return wanted;
  }

  private async checkAddresses(merchantId: string, wanted: Map<number, string | null>, proofs: Record<string, AddressProofInput>): Promise<Map<number, VerifiedProof>> {
    const current = (await this.merchants.getById(merchantId))?.receivingAddresses ?? {};
    const set = new Map([...wanted].filter((entry): entry is [number, string] => entry[1] !== null));
    for (const [chainId, address] of set) {
      if (sameAddress(current[String(chainId)], address)) continue;
      await this.addresses.assertFree(merchantId, chainId, address);
      if (proofs[String(chainId)] === undefined) this.addresses.requireProof(chainId, address, undefined);
    }
    return this.addresses.verifyProofs(merchantId, set, proofs);
  }

  // The read model (merchant.receiving_addresses) and the ownership registry change together, under
  // the merchant's row lock; re-checked here because the merchant may have changed since.
  private async applyAddresses(principal: Principal, current: Record<string, string>, wanted: Map<number, string | null>, proofs: Map<number, VerifiedProof>): Promise<Record<string, string>> {
    const next = { ...current };
    for (const [chainId, address] of wanted) {
      const key = String(chainId);
      const proof = proofs.get(chainId);
      if (address === null ? next[key] === undefined : sameAddress(next[key], address)) {
        if (address !== null && proof) await this.addresses.reprove(principal.merchantId, chainId, address, proof);
      } else {
        if (address !== null) this.addresses.requireProof(chainId, address, proof);
        await this.addresses.move(principal.merchantId, chainId, address, proof);
      }
      if (address === null) delete next[key];
      else next[key] = address;
      if (address !== null && proof) {
        await this.changes.record(principal, principal.actor, {
          action: 'receiving_address.prove',
          eventType: null,
          targetType: 'merchant',
          targetId: principal.merchantId,
          object: {},
          after: { chainId, address, proof: 'signature', verifiedAt: proof.verifiedAt.toISOString() },
        });
      }
    }
    return next;
  }

  private async freeSlug(name: string): Promise<string> {
    const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'merchant';
    const slug = base.length >= 2 ? base : `${base}-m`;
    return (await this.merchants.slugExists(slug)) ? `${slug}-${randomBase62(6).toLowerCase()}` : slug;
  }
}

function sameAddress(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}
