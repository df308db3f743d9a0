import { Injectable } from '@nestjs/common';
import type { ConfiguredAsset } from '../config/app-config';
import { Db } from '../database/db.service';
import { AssetEntity } from './asset.entity';

@Injectable()
export class AssetRepository {
  constructor(private readonly db: Db) {}

  // Assets come from configuration; rows are upserted so prices and invoices can reference them.
  async sync(assets: readonly ConfiguredAsset[]): Promise<void> {
    if (!assets.length) return;
    await this.db
      .repo(AssetEntity)
      .upsert(
        assets.map((a) => ({ id: a.id, chainId: a.chainId, token: a.token, symbol: a.symbol, decimals: a.decimals, testnet: a.testnet })),
        ['id'],
      );
  }
}
