import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { ApiIdempotent, ApiPost } from '../common/api-docs';
import type { Principal } from '../common/tenant';
import { LinkKeyService } from './link-key.service';
import { CreatePortalLinkDto } from './portal-link.dto';
import { PortalLinkService } from './portal-link.service';

@ApiTags('portal links')
@ApiBearerAuth()
@Controller('api/v1')
export class PortalLinkController {
  constructor(
    private readonly links: PortalLinkService,
    private readonly keys: LinkKeyService,
  ) {}

  @Post('portal-links')
  @HttpCode(201)
  @RequireScope('portal_links:write')
  @ApiPost(CreatePortalLinkDto)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreatePortalLinkDto) {
    return this.links.mint(principal, body);
  }

  @Delete('portal-links/:id')
  @RequireScope('portal_links:write')
  revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.links.revokeOne(principal, id);
  }

  @Post('customers/:id/portal-links/revoke')
  @HttpCode(200)
  @RequireScope('portal_links:write')
  @ApiIdempotent()
  revokeAll(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.links.revokeAll(principal, id);
  }

  @Get('merchant/link-secret')
  @RequireScope('merchant:write')
  revealSecret(@CurrentPrincipal() principal: Principal) {
    return this.keys.reveal(principal);
  }

  @Post('merchant/link-secret/rotate')
  @HttpCode(200)
  @RequireScope('merchant:write')
  @ApiIdempotent()
  rotateSecret(@CurrentPrincipal() principal: Principal) {
    return this.keys.rotate(principal);
  }
}
