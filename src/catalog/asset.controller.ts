import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { AppConfig } from '../config/app-config';
import type { Principal } from '../common/tenant';
import { assetView } from './catalog.presenter';

@ApiTags('assets')
@ApiBearerAuth()
@Controller('api/v1/assets')
export class AssetController {
  constructor(private readonly config: AppConfig) {}

  // The assets this key's mode can price in: test chains for sk_test_, live chains for sk_live_.
  @Get()
  @RequireScope('plans:read')
  list(@CurrentPrincipal() principal: Principal) {
    return { object: 'list' as const, data: this.config.assets.filter((a) => a.testnet !== principal.livemode).map(assetView), hasMore: false };
  }
}
