import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AssetRepository } from './asset.repository';

// Both entry points mirror the configured assets at boot, so a config change needs no migration.
@Injectable()
export class AssetSyncService implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly assets: AssetRepository,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return this.assets.sync(this.config.assets);
  }
}
