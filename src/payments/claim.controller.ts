import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { ApiPost } from '../common/api-docs';
import type { Principal } from '../common/tenant';
import { ClaimService } from '../reconciliation/claim.service';
import { ClaimDto } from './claim.dto';

@ApiTags('payments')
@ApiBearerAuth()
@Controller('api/v1/invoices')
export class ClaimController {
  constructor(private readonly claims: ClaimService) {}

  // Accepted for verification; the claim moves to needs_review, verified or rejected shortly after.
  @Post(':id/claims')
  @HttpCode(202)
  @RequireScope('payments:write')
  @ApiPost(ClaimDto)
  claim(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: ClaimDto) {
    return this.claims.submit(principal, principal.actor, id, body.txHash);
  }
}
