import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import { ID_PATTERN } from '../common/ids';
import type { Principal } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { PaymentService } from '../payments/payment.service';
import { PortalRepository } from '../portal/portal.repository';
import { DashboardLayoutService } from './dashboard-layout.service';
import type { DashboardContext } from './dashboard-session.service';
import { DashboardPresenter, pagination } from './dashboard.presenter';
import { DashboardRepository, type PaymentFilter } from './dashboard.repository';

const PAGE_SIZE = 50;

@Injectable()
export class DashboardPaymentsService {
  constructor(
    private readonly reads: DashboardRepository,
    private readonly portal: PortalRepository,
    private readonly payments: PaymentService,
    private readonly chrome: DashboardLayoutService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async list(ctx: DashboardContext, filter: PaymentFilter, page: number, notice: string | null) {
    const [layout, [rows, total], counts] = await Promise.all([
      this.chrome.layout(ctx, 'payments', 'Payments'),
      this.reads.payments(ctx.tenant, filter, PAGE_SIZE, (page - 1) * PAGE_SIZE),
      this.reads.paymentCounts(ctx.tenant),
    ]);
    const unmatched = rows.filter((r) => !r.invoiceId && r.state !== 'orphaned');
    const [heads, invoices, candidates] = await Promise.all([
      this.portal.heads(rows.map((r) => r.chainId)),
      this.reads.invoicesById(ctx.tenant, rows.map((r) => r.invoiceId)),
      this.reads.assignable(ctx.tenant, unmatched),
    ]);
    const customers = await this.reads.customersById(ctx.tenant, [...rows.map((r) => r.customerId), ...candidates.map((i) => i.customerId)]);
    const p = new DashboardPresenter(this.config, this.clock.now());
    return {
      ...layout,
      notice,
      filter,
      filters: (['all', 'unmatched', 'reversed'] as const).map((f) => ({
        value: f,
        label: f === 'all' ? 'All' : f === 'unmatched' ? `Unmatched (${counts.unmatched})` : `Reversed (${counts.reversed})`,
        current: f === filter,
      })),
      payments: rows.map((r) => ({ ...p.payment(r, heads, invoices, customers), options: r.invoiceId || r.state === 'orphaned' ? [] : p.assignOptions(r, candidates, customers) })),
      total,
      pagination: pagination('/dashboard/payments', page, total, PAGE_SIZE, `filter=${filter}`),
    };
  }

  async assign(principal: Principal, paymentId: string, invoiceId: string): Promise<void> {
    if (!ID_PATTERN.test(invoiceId)) throw new DomainError('validation_failed', 'Choose an invoice, or enter an invoice id (inv_…).');
    await this.payments.assign(principal, paymentId, invoiceId);
  }
}
