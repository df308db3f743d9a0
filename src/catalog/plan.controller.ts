import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { ApiPost } from '../common/api-docs';
import { listView } from '../common/list.dto';
import type { Principal } from '../common/tenant';
import { CreatePlanDto, ListPlansDto } from './catalog.dto';
import { planView } from './catalog.presenter';
import { PlanService } from './plan.service';

@ApiTags('plans')
@ApiBearerAuth()
@Controller('api/v1/plans')
export class PlanController {
  constructor(private readonly plans: PlanService) {}

  @Post()
  @HttpCode(201)
  @RequireScope('plans:write')
  @ApiPost(CreatePlanDto)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreatePlanDto) {
    return this.plans.create(principal, body);
  }

  @Get()
  @RequireScope('plans:read')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListPlansDto) {
    return listView(await this.plans.list(principal, query), planView);
  }

  @Get(':id')
  @RequireScope('plans:read')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.plans.get(principal, id);
  }
}
