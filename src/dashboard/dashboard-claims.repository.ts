import { Injectable } from '@nestjs/common';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { PaymentClaimEntity, type ClaimStatus } from '../payments/payment-claim.entity';

export type ClaimCounts = Record<ClaimStatus, number>;

// The claims page's reads: numbered pages with a total, like the dashboard's other lists (the
// merchant API's claim list is keyset-paginated). Scoped by the session's (merchant, mode).
@Injectable()
export class DashboardClaimsRepository {
  constructor(private readonly db: Db) {}

  page(tenant: Tenant, status: ClaimStatus | null, limit: number, offset: number): Promise<[PaymentClaimEntity[], number]> {
    const qb = this.db.repo(PaymentClaimEntity).createQueryBuilder('c').where('c.merchant_id = :merchantId AND c.livemode = :livemode', tenant);
    if (status) qb.andWhere('c.status = :status', { status });
    return qb.orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC').take(limit).skip(offset).getManyAndCount();
  }

  async counts(tenant: Tenant): Promise<ClaimCounts> {
    const rows: { status: ClaimStatus; n: string }[] = await this.db.manager.query(
      `SELECT status, count(*)::text AS n FROM payment_claim WHERE merchant_id = $1 AND livemode = $2 GROUP BY status`,
      [tenant.merchantId, tenant.livemode],
    );
    const counts: ClaimCounts = { pending: 0, needs_review: 0, verified: 0, rejected: 0 };
    for (const r of rows) counts[r.status] = Number(r.n);
    return counts;
  }
}
