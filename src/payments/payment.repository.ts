import { Injectable } from '@nestjs/common';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { findOwned, paginate, type Page, type PageQuery } from '../database/tenant-scope';
import { PaymentEntity, type PaymentState } from './payment.entity';

export interface PaymentFilter extends PageQuery {
  customerId?: string;
  invoiceId?: string;
  status?: PaymentState;
  matched?: boolean;
}

@Injectable()
export class PaymentRepository {
  constructor(private readonly db: Db) {}

  getById(tenant: Tenant, id: string): Promise<PaymentEntity> {
    return findOwned(this.db.repo(PaymentEntity), tenant, id, 'payment');
  }

  // Row lock: changes to one row serialise; the caller holds the transaction.
  getForUpdate(tenant: Tenant, id: string): Promise<PaymentEntity> {
    return findOwned(this.db.repo(PaymentEntity), tenant, id, 'payment', { lock: true });
  }

  list(tenant: Tenant, filter: PaymentFilter): Promise<Page<PaymentEntity>> {
    const qb = this.db.repo(PaymentEntity).createQueryBuilder('p');
    if (filter.customerId) qb.andWhere('p.customer_id = :customerId', { customerId: filter.customerId });
    if (filter.invoiceId) qb.andWhere('p.invoice_id = :invoiceId', { invoiceId: filter.invoiceId });
    if (filter.status) qb.andWhere('p.state = :status', { status: filter.status });
    if (filter.matched !== undefined) qb.andWhere(filter.matched ? 'p.invoice_id IS NOT NULL' : 'p.invoice_id IS NULL');
    return paginate(qb, tenant, filter);
  }

  save(payment: PaymentEntity): Promise<PaymentEntity> {
    return this.db.repo(PaymentEntity).save(payment);
  }
}
