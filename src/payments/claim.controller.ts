import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { ApiPost } from '../common/api-docs';
import type { Principal } from '../common/tenant';
import { createZodDto } from '../common/zod-dto';
import { ClaimService } from '../reconciliation/claim.service';

export class ClaimDto extends createZodDto(z.object({ txHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a 32-byte transaction hash (0x + 64 hex)') }).strict()) {}

@ApiTags('payments')
@ApiBearerAuth()
@Controller('api/v1/invoices')
export class ClaimController {
  constructor(private readonly claims: ClaimService) {}

  // Accepted for verification; the claim's status moves to verified or rejected shortly after.
  @Post(':id/claims')
  @HttpCode(202)
  @RequireScope('payments:write')
  @ApiPost(ClaimDto)
  claim(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: ClaimDto) {
    return this.claims.submit(principal, principal.actor, id, body.txHash);
  }
}
