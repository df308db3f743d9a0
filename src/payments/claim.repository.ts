import { Injectable } from '@nestjs/common';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { findOwned, paginate, type Page, type PageQuery } from '../database/tenant-scope';
import { PaymentClaimEntity, type ClaimStatus } from './payment-claim.entity';

export interface ClaimFilter extends PageQuery {
  status?: ClaimStatus;
  invoiceId?: string;
}

@Injectable()
export class ClaimRepository {
  constructor(private readonly db: Db) {}

  getById(tenant: Tenant, id: string): Promise<PaymentClaimEntity> {
    return findOwned(this.db.repo(PaymentClaimEntity), tenant, id, 'payment claim');
  }

  getForUpdate(tenant: Tenant, id: string): Promise<PaymentClaimEntity> {
    return findOwned(this.db.repo(PaymentClaimEntity), tenant, id, 'payment claim', { lock: true });
  }

  // The claim job knows only the claim id; the row carries its tenant.
  lockById(id: string): Promise<PaymentClaimEntity | null> {
    return this.db.repo(PaymentClaimEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  findById(id: string): Promise<PaymentClaimEntity | null> {
    return this.db.repo(PaymentClaimEntity).findOneBy({ id });
  }

  list(tenant: Tenant, filter: ClaimFilter): Promise<Page<PaymentClaimEntity>> {
    const qb = this.db.repo(PaymentClaimEntity).createQueryBuilder('c');
    if (filter.status) qb.andWhere('c.status = :status', { status: filter.status });
    if (filter.invoiceId) qb.andWhere('c.invoice_id = :invoiceId', { invoiceId: filter.invoiceId });
    return paginate(qb, tenant, filter);
  }

  countAwaitingReview(tenant: Tenant): Promise<number> {
    return this.db.repo(PaymentClaimEntity).countBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, status: 'needs_review' });
  }

  save(claim: PaymentClaimEntity): Promise<PaymentClaimEntity> {
    return this.db.repo(PaymentClaimEntity).save(claim);
  }
}
