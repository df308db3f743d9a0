import { Injectable } from '@nestjs/common';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { PaymentClaimEntity } from '../payments/payment-claim.entity';
import { PaymentEntity } from '../payments/payment.entity';

export const CLAIMS_SHOWN = 20;

// Reads for paying, claiming and downloading, each scoped by (merchant, mode, customer) from the
// session: another customer's invoice id is simply not found.
@Injectable()
export class PortalPayRepository {
  constructor(private readonly db: Db) {}

  claims(tenant: Tenant, customerId: string, invoiceId: string): Promise<PaymentClaimEntity[]> {
    return this.db.repo(PaymentClaimEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, customerId, invoiceId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: CLAIMS_SHOWN,
    });
  }

  pendingClaims(tenant: Tenant, customerId: string, invoiceId: string): Promise<number> {
    return this.db.repo(PaymentClaimEntity).countBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, customerId, invoiceId, status: 'pending' });
  }

  invoicePayments(tenant: Tenant, customerId: string, invoiceId: string): Promise<PaymentEntity[]> {
    return this.db.repo(PaymentEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, customerId, invoiceId },
      order: { blockTimestamp: 'ASC', id: 'ASC' },
      take: 100,
    });
  }
}
