import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { listView } from '../common/list.dto';
import type { Principal } from '../common/tenant';
import { ListInvoicesDto } from './invoice.dto';
import { invoiceView } from './invoice.presenter';
import { InvoiceService } from './invoice.service';

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('api/v1/invoices')
export class InvoiceController {
  constructor(private readonly invoices: InvoiceService) {}

  @Get()
  @RequireScope('invoices:read')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListInvoicesDto) {
    return listView(await this.invoices.list(principal, query), invoiceView);
  }

  @Get(':id')
  @RequireScope('invoices:read')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.invoices.get(principal, id);
  }
}
