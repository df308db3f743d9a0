import { Injectable } from '@nestjs/common';
import { LessThan } from 'typeorm';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { IdempotencyKeyEntity } from './idempotency-key.entity';

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  // Transaction-scoped advisory lock: a second request with the same key sees it taken and gets 409.
  async tryLock(tenant: Tenant, key: string): Promise<boolean> {
    const rows: { locked: boolean }[] = await this.db.manager.query(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`, [
      `idem|${tenant.merchantId}|${tenant.livemode}|${key}`,
    ]);
    return rows[0].locked;
  }

  find(tenant: Tenant, key: string): Promise<IdempotencyKeyEntity | null> {
    return this.db.repo(IdempotencyKeyEntity).findOneBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, key });
  }

  async remove(tenant: Tenant, key: string): Promise<void> {
    await this.db.repo(IdempotencyKeyEntity).delete({ merchantId: tenant.merchantId, livemode: tenant.livemode, key });
  }

  async insert(row: IdempotencyKeyEntity): Promise<void> {
    await this.db.repo(IdempotencyKeyEntity).insert(row as never);
  }

  async purgeOlderThan(cutoff: Date): Promise<number> {
    const result = await this.db.repo(IdempotencyKeyEntity).delete({ createdAt: LessThan(cutoff) });
    return result.affected ?? 0;
  }
}
