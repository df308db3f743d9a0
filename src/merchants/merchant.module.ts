import { Module } from '@nestjs/common';
import { ChainClients } from '../chain/chain.clients';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { MerchantController } from './merchant.controller';
import { MerchantRepository } from './merchant.repository';
import { MerchantService } from './merchant.service';
import { ReceivingAddressRepository } from './receiving-address.repository';
import { ReceivingAddressService } from './receiving-address.service';

// ChainClients is provided here too (it only needs the config): the reconciliation module, which
// also provides it, imports this one.
@Module({
  controllers: [MerchantController],
  providers: [MerchantRepository, ApiKeyRepository, ApiKeyService, ReceivingAddressRepository, ReceivingAddressService, MerchantService, ChainClients],
  exports: [MerchantRepository, ApiKeyRepository, ApiKeyService, ReceivingAddressService, MerchantService],
})
export class MerchantModule {}
