import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { ColumnCipher } from '../common/crypto/column-cipher';
import { DomainError } from '../common/errors';
import { randomBase62 } from '../common/ids';
import type { Principal } from '../common/tenant';
import { Db } from '../database/db.service';
import { LinkSigningKeyEntity } from './link-signing-key.entity';
import { LinkKeyRepository } from './link-key.repository';
import { formatLinkSecret } from './offline-minter';
import { MAX_LIFETIME_SECONDS } from './portal-link.signer';

export interface LinkKey {
  kid: string;
  merchantId: string;
  livemode: boolean;
  secret: Buffer;
  status: LinkSigningKeyEntity['status'];
  retiredAt: Date | null;
}

const CACHE_MS = 30_000;
// Unknown kids are cached too (so a flood of them does not become a flood of queries), which puts
// the cache's size in an attacker's hands: cap it.
export const KEY_CACHE_MAX_ENTRIES = 1_000;

// Per-merchant link secrets: created on first use, encrypted at rest, rotated with an overlap.
@Injectable()
export class LinkKeyService {
  private readonly cipher: ColumnCipher;
  // Verification is on the hot path; a short cache bounds how long a rotation takes to be seen.
  private readonly cache = new Map<string, { key: LinkKey | null; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly keys: LinkKeyRepository,
    private readonly changes: ChangeRecorder,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.cipher = new ColumnCipher(config.env.MASTER_KEY);
  }

  // How many kids the verification cache holds (bounded by KEY_CACHE_MAX_ENTRIES).
  get cachedKids(): number {
    return this.cache.size;
  }

  async current(merchantId: string, livemode: boolean): Promise<LinkKey> {
    const existing = await this.keys.findCurrent(merchantId, livemode);
    if (existing) return this.open(existing);
    return this.db.transaction(async () => {
      await this.keys.lockMerchant(merchantId);
      const raced = await this.keys.findCurrent(merchantId, livemode);
      return this.open(raced ?? (await this.createKey(merchantId, livemode)));
    });
  }

  // The key that verifies a token: the current one, or a previous one within a link lifetime of its rotation.
  async forVerification(kid: string): Promise<LinkKey | null> {
    const now = this.clock.now().getTime();
    const cached = this.cache.get(kid);
    let key: LinkKey | null;
    if (cached && cached.until > now) key = cached.key;
    else {
      const row = await this.keys.findByKid(kid);
      key = row ? this.open(row) : null;
      this.remember(kid, key, now);
    }
    if (!key) return null;
    if (key.status === 'current') return key;
    if (key.status === 'previous' && key.retiredAt && now - key.retiredAt.getTime() < MAX_LIFETIME_SECONDS * 1000) return key;
    return null;
  }

  private remember(kid: string, key: LinkKey | null, now: number): void {
    if (this.cache.size >= KEY_CACHE_MAX_ENTRIES) {
      for (const [k, entry] of this.cache) if (entry.until <= now) this.cache.delete(k);
      if (this.cache.size >= KEY_CACHE_MAX_ENTRIES) this.cache.clear();
    }
    this.cache.set(kid, { key, until: now + CACHE_MS });
  }

  // Shown once, so a merchant can mint links offline; rotate to see a new one.
  async reveal(principal: Principal): Promise<{ kid: string; secret: string }> {
    return this.db.transaction(async () => {
      await this.current(principal.merchantId, principal.livemode);
      await this.keys.lockMerchant(principal.merchantId);
      const row = (await this.keys.findCurrent(principal.merchantId, principal.livemode))!;
      if (row.revealedAt) {
        throw new DomainError('conflict', 'The link secret was already revealed; rotate it (POST /api/v1/merchant/link-secret/rotate) to get a new one');
      }
      row.revealedAt = this.clock.now();
      await this.keys.save(row);
      await this.audit(principal, 'link_secret.reveal', row.kid);
      return { kid: row.kid, secret: formatLinkSecret(row.kid, this.open(row).secret) };
    });
  }

  async rotate(principal: Principal): Promise<{ kid: string; secret: string }> {
    return this.db.transaction(async () => {
      await this.keys.lockMerchant(principal.merchantId);
      await this.keys.demoteCurrent(principal.merchantId, principal.livemode, this.clock.now());
      const row = await this.createKey(principal.merchantId, principal.livemode);
      row.revealedAt = this.clock.now();
      await this.keys.save(row);
      this.cache.clear();
      await this.audit(principal, 'link_secret.rotate', row.kid);
      return { kid: row.kid, secret: formatLinkSecret(row.kid, this.open(row).secret) };
    });
  }

  private async createKey(merchantId: string, livemode: boolean): Promise<LinkSigningKeyEntity> {
    const kid = `lk_${randomBase62(16)}`;
    const secret = randomBytes(32);
    return this.keys.save(
      Object.assign(new LinkSigningKeyEntity(), {
        kid,
        merchantId,
        livemode,
        secretEnc: this.cipher.encrypt(secret.toString('base64'), context(merchantId, kid)),
        status: 'current',
        revealedAt: null,
        retiredAt: null,
      }),
    );
  }

  private open(row: LinkSigningKeyEntity): LinkKey {
    const secret = Buffer.from(this.cipher.decrypt(row.secretEnc, context(row.merchantId, row.kid)), 'base64');
    return { kid: row.kid, merchantId: row.merchantId, livemode: row.livemode, secret, status: row.status, retiredAt: row.retiredAt };
  }

  private audit(principal: Principal, action: string, kid: string): Promise<void> {
    return this.changes.record(principal, principal.actor, { action, eventType: null, targetType: 'link_signing_key', targetId: kid, object: { kid } });
  }
}

function context(merchantId: string, kid: string) {
  return { merchantId, table: 'link_signing_key', column: 'secret_enc', rowId: kid };
}
