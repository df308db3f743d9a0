import { Body, Controller, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { ApiJsonBody, ApiPost } from '../common/api-docs';
import type { Principal } from '../common/tenant';
import { AddressChallengeDto, UpdateMerchantDto } from './merchant.dto';
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

  // A message for the wallet at `address` to sign (EIP-191), proving control of a receiving address.
  @Post('receiving-addresses/challenges')
  @HttpCode(201)
  @RequireScope('merchant:write')
  @ApiPost(AddressChallengeDto)
  createAddressChallenge(@CurrentPrincipal() principal: Principal, @Body() body: AddressChallengeDto) {
    return this.merchants.createAddressChallenge(principal, body);
  }
}
