import { Module } from '@nestjs/common';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { MerchantController } from './merchant.controller';
import { MerchantRepository } from './merchant.repository';
import { MerchantService } from './merchant.service';

@Module({
  controllers: [MerchantController],
  providers: [MerchantRepository, ApiKeyRepository, ApiKeyService, MerchantService],
  exports: [MerchantRepository, ApiKeyRepository, ApiKeyService, MerchantService],
})
export class MerchantModule {}
