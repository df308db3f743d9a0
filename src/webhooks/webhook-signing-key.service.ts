import { randomBytes, type KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { ColumnCipher } from '../common/crypto/column-cipher';
import { randomBase62 } from '../common/ids';
import type { Actor, Tenant } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { Db } from '../database/db.service';
import { WebhookSigningKeyEntity } from './webhook-signing-key.entity';
import { ed25519PrivateKey, formatPublicKey, publicKeyFromSeed } from './webhook-signer';

// Parsed KeyObjects are cached: a seed never changes once made, so the cache never goes stale.
const CACHE_MAX = 1_000;

// The merchant's Ed25519 key (per mode) for v1a signatures, made on first use.
@Injectable()
export class WebhookSigningKeyService {
  private readonly cipher: ColumnCipher;
  private readonly cache = new Map<string, KeyObject>();

  constructor(
    private readonly db: Db,
    private readonly changes: ChangeRecorder,
    config: AppConfig,
  ) {
    this.cipher = new ColumnCipher(config.env.MASTER_KEY);
  }

  // whpk_<base64>: what receivers verify v1a signatures with.
  async publicKey(tenant: Tenant, actor: Actor): Promise<string> {
    return (await this.ensure(tenant, actor)).publicKey;
  }

  async privateKey(tenant: Tenant, actor: Actor): Promise<KeyObject> {
    const cacheKey = `${tenant.merchantId}/${tenant.livemode}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const row = await this.ensure(tenant, actor);
    const seed = Buffer.from(this.cipher.decrypt(row.seedEnc, context(row)), 'base64');
    const key = ed25519PrivateKey(seed);
    seed.fill(0);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(cacheKey, key);
    return key;
  }

  private async ensure(tenant: Tenant, actor: Actor): Promise<WebhookSigningKeyEntity> {
    const existing = await this.db.repo(WebhookSigningKeyEntity).findOneBy({ merchantId: tenant.merchantId, livemode: tenant.livemode });
    if (existing) return existing;
    return this.db.transaction(async () => {
      const id = `whk_${randomBase62(22)}`;
      const seed = randomBytes(32);
      const row = { id, merchantId: tenant.merchantId, livemode: tenant.livemode, seedEnc: '', publicKey: formatPublicKey(publicKeyFromSeed(seed)) };
      row.seedEnc = this.cipher.encrypt(seed.toString('base64'), context(row));
      seed.fill(0);
      // Two first uses may race: the loser's key is dropped and both read the winner's.
      const inserted = await this.db.manager.createQueryBuilder().insert().into(WebhookSigningKeyEntity).values(row).orIgnore().returning(['id']).execute();
      if ((inserted.raw as unknown[]).length) {
        await this.changes.record(tenant, actor, { action: 'webhook_signing_key.create', eventType: null, targetType: 'webhook_signing_key', targetId: id, object: { id, publicKey: row.publicKey } });
      }
      return (await this.db.repo(WebhookSigningKeyEntity).findOneBy({ merchantId: tenant.merchantId, livemode: tenant.livemode }))!;
    });
  }
}

function context(row: Pick<WebhookSigningKeyEntity, 'id' | 'merchantId'>) {
  return { merchantId: row.merchantId, table: 'webhook_signing_key', column: 'seed_enc', rowId: row.id };
}
