import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { DomainError } from '../common/errors';
import type { Principal, Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import type { Page } from '../database/tenant-scope';
import { InvoiceRepository } from '../invoices/invoice.repository';
import { SettlementService } from '../reconciliation/settlement.service';
import type { PaymentEntity } from './payment.entity';
import { paymentView, type PaymentView } from './payment.presenter';
import { PaymentRepository, type PaymentFilter } from './payment.repository';
import { acceptsManualPayment } from '../invoices/invoice-lifecycle';

@Injectable()
export class PaymentService {
  constructor(
    private readonly db: Db,
    private readonly payments: PaymentRepository,
    private readonly invoices: InvoiceRepository,
    private readonly settlement: SettlementService,
    private readonly changes: ChangeRecorder,
  ) {}

  list(tenant: Tenant, filter: PaymentFilter): Promise<Page<PaymentEntity>> {
    return this.payments.list(tenant, filter);
  }

  async get(tenant: Tenant, id: string): Promise<PaymentView> {
    return paymentView(await this.payments.getById(tenant, id));
  }

  // Manual resolution of an unmatched transfer: it must have arrived on the invoice's own chain,
  // asset and receiving address, and a transfer pays at most one invoice.
  async assign(principal: Principal, id: string, invoiceId: string): Promise<PaymentView> {
    return this.db.transaction(async () => {
      const payment = await this.payments.getForUpdate(principal, id);
      const invoice = await this.invoices.getById(principal, invoiceId);
      if (payment.invoiceId) throw new DomainError('conflict', `Payment ${id} is already attached to invoice ${payment.invoiceId}`);
      if (payment.state === 'orphaned') throw new DomainError('unprocessable', `Payment ${id} was reversed by a chain reorganisation`);
      if (!acceptsManualPayment(invoice.status)) throw new DomainError('unprocessable', `Invoice ${invoiceId} is ${invoice.status}`);
      if (payment.chainId !== invoice.chainId || payment.token !== invoice.token || payment.toAddress.toLowerCase() !== invoice.payTo.toLowerCase()) {
        throw new DomainError('unprocessable', `Payment ${id} was not sent on the chain, asset and address of invoice ${invoiceId}`);
      }
      payment.invoiceId = invoice.id;
      payment.customerId = invoice.customerId;
      payment.matchedBy = 'manual';
      const saved = await this.payments.save(payment);
      const view = paymentView(saved);
      await this.changes.record(principal, principal.actor, {
        action: 'payment.assign',
        eventType: 'payment.matched',
        targetType: 'payment',
        targetId: saved.id,
        customerId: saved.customerId,
        object: view,
        before: { invoiceId: null },
        after: { invoiceId: invoice.id, matchedBy: 'manual' },
      });
      await this.settlement.recompute(invoice.id, principal.actor);
      return view;
    });
  }
}
