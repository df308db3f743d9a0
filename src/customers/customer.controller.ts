import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { ApiJsonBody, ApiPost } from '../common/api-docs';
import { listView } from '../common/list.dto';
import type { Principal } from '../common/tenant';
import { CreateCustomerDto, ListCustomersDto, UpdateCustomerDto } from './customer.dto';
import { customerView } from './customer.presenter';
import { CustomerService } from './customer.service';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('api/v1/customers')
export class CustomerController {
  constructor(private readonly customers: CustomerService) {}

  @Post()
  @HttpCode(201)
  @RequireScope('customers:write')
  @ApiPost(CreateCustomerDto)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateCustomerDto) {
    return this.customers.create(principal, body);
  }

  @Get()
  @RequireScope('customers:read')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListCustomersDto) {
    return listView(await this.customers.list(principal, query), (c) => customerView(c));
  }

  @Get(':id')
  @RequireScope('customers:read')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.customers.get(principal, id);
  }

  @Patch(':id')
  @RequireScope('customers:write')
  @ApiJsonBody(UpdateCustomerDto)
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: UpdateCustomerDto) {
    return this.customers.update(principal, id, body);
  }
}
