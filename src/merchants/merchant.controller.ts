import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { ApiJsonBody } from '../common/api-docs';
import type { Principal } from '../common/tenant';
import { UpdateMerchantDto } from './merchant.dto';
import { MerchantService } from './merchant.service';

@ApiTags('merchant')
@ApiBearerAuth()
@Controller('api/v1/merchant')
export class MerchantController {
  constructor(private readonly merchants: MerchantService) {}

  @Get()
  @RequireScope('merchant:read')
  get(@CurrentPrincipal() principal: Principal) {
    return this.merchants.get(principal.merchantId);
  }

  @Patch()
  @RequireScope('merchant:write')
  @ApiJsonBody(UpdateMerchantDto)
  update(@CurrentPrincipal() principal: Principal, @Body() body: UpdateMerchantDto) {
    return this.merchants.update(principal, body);
  }
}
