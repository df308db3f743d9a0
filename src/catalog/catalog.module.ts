import { Module } from '@nestjs/common';
import { AssetSyncService } from './asset-sync.service';
import { AssetController } from './asset.controller';
import { AssetRepository } from './asset.repository';
import { PlanController } from './plan.controller';
import { PlanRepository } from './plan.repository';
import { PlanService } from './plan.service';

@Module({
  controllers: [PlanController, AssetController],
  providers: [AssetRepository, AssetSyncService, PlanRepository, PlanService],
  exports: [PlanRepository, PlanService],
})
export class CatalogModule {}
