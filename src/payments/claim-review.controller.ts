import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { ApiPost } from '../common/api-docs';
import { listView } from '../common/list.dto';
import type { Principal } from '../common/tenant';
import { ClaimService } from '../reconciliation/claim.service';
import { ApproveClaimDto, ListClaimsDto, RejectClaimDto } from './claim.dto';
import { claimView } from './claim.presenter';

// Claims as the merchant sees them: the ones waiting for review are approved (credited to the
// invoice) or rejected with a reason the customer reads in the portal.
@ApiTags('payments')
@ApiBearerAuth()
@Controller('api/v1/claims')
export class ClaimReviewController {
  constructor(private readonly claims: ClaimService) {}

  @Get()
  @RequireScope('payments:read')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListClaimsDto) {
    return listView(await this.claims.list(principal, query), claimView);
  }

  @Get(':id')
  @RequireScope('payments:read')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.claims.get(principal, id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @RequireScope('payments:write')
  @ApiPost(ApproveClaimDto)
  approve(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: ApproveClaimDto) {
    return this.claims.approve(principal, principal.actor, id, body.note ?? null);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @RequireScope('payments:write')
  @ApiPost(RejectClaimDto)
  reject(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: RejectClaimDto) {
    return this.claims.reject(principal, principal.actor, id, body.reason);
  }
}
