import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { Db } from '../database/db.service';
import { ApiKeyEntity } from './api-key.entity';

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly db: Db) {}

  findByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.db.repo(ApiKeyEntity).findOneBy({ keyHash });
  }

  listForMerchant(merchantId: string): Promise<ApiKeyEntity[]> {
    return this.db.repo(ApiKeyEntity).find({ where: { merchantId }, order: { createdAt: 'ASC' } });
  }

  getById(merchantId: string, id: string): Promise<ApiKeyEntity | null> {
    return this.db.repo(ApiKeyEntity).findOneBy({ merchantId, id });
  }

  save(key: ApiKeyEntity): Promise<ApiKeyEntity> {
    return this.db.repo(ApiKeyEntity).save(key);
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.repo(ApiKeyEntity).update({ id }, { lastUsedAt: at });
  }

  async revoke(merchantId: string, id: string, at: Date): Promise<boolean> {
    const result = await this.db.repo(ApiKeyEntity).update({ merchantId, id, revokedAt: IsNull() }, { revokedAt: at });
    return (result.affected ?? 0) > 0;
  }
}
