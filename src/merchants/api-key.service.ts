import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { deriveKey, hmacSha256 } from '../common/crypto/keys';
import { DomainError } from '../common/errors';
import { newId } from '../common/ids';
import type { Principal } from '../common/tenant';
import { ApiKeyEntity } from './api-key.entity';
import { generateApiKey, parseApiKey } from './api-key.format';
import { ApiKeyRepository } from './api-key.repository';
import { MerchantRepository } from './merchant.repository';
import { SCOPES, type Scope } from './scopes';

const PEPPER_KID = 'k1';
const TOUCH_INTERVAL_MS = 60_000;

export interface CreatedApiKey {
  apiKey: ApiKeyEntity;
  secret: string;
}

@Injectable()
export class ApiKeyService {
  private readonly pepper: Buffer;

  constructor(
    config: AppConfig,
    private readonly keys: ApiKeyRepository,
    private readonly merchants: MerchantRepository,
    private readonly clock: Clock,
  ) {
    this.pepper = deriveKey(config.env.MASTER_KEY, 'api-key-pepper', PEPPER_KID);
  }

  // The secret is returned once and never stored: only its keyed hash is.
  async create(merchantId: string, input: { livemode: boolean; name: string; scopes?: readonly Scope[]; createdBy: string }): Promise<CreatedApiKey> {
    const secret = generateApiKey(input.livemode);
    const apiKey = await this.keys.save(
      Object.assign(new ApiKeyEntity(), {
        id: newId('key'),
        merchantId,
        livemode: input.livemode,
        name: input.name,
        keyHash: this.hash(secret),
        prefix: secret.slice(0, 12),
        last4: secret.slice(-4),
        scopes: [...(input.scopes ?? SCOPES)],
        createdBy: input.createdBy,
        lastUsedAt: null,
        revokedAt: null,
        expiresAt: null,
      }),
    );
    return { apiKey, secret };
  }

  async authenticate(candidate: string): Promise<Principal> {
    // A malformed key or bad checksum is refused without touching the database.
    const parsed = parseApiKey(candidate);
    if (!parsed) throw unauthenticated();
    const key = await this.keys.findByHash(this.hash(parsed.key));
    const now = this.clock.now();
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= now)) throw unauthenticated();
    const merchant = await this.merchants.getById(key.merchantId);
    if (!merchant || merchant.status !== 'active') throw unauthenticated();
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) await this.keys.touch(key.id, now);
    return {
      merchantId: key.merchantId,
      livemode: key.livemode,
      scopes: new Set(key.scopes),
      apiKeyId: key.id,
      actor: { type: 'api_key', id: key.id, initiator: 'merchant_api' },
    };
  }

  hash(secret: string): string {
    return `${PEPPER_KID}:${hmacSha256(this.pepper, secret).toString('hex')}`;
  }
}

// One error for every authentication failure (no header, malformed, bad checksum, unknown,
// revoked, expired, disabled merchant): the response must not tell a prober which it hit.
export function unauthenticated(): DomainError {
  return new DomainError('unauthenticated', 'Missing or invalid API key: send Authorization: Bearer sk_test_... or sk_live_...');
}
