import { Injectable } from '@nestjs/common';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { findOwned, paginate, type Page, type PageQuery } from '../database/tenant-scope';
import { SubscriptionEntity } from './subscription.entity';
import type { SubscriptionStatus } from './subscription-lifecycle';

export interface SubscriptionFilter extends PageQuery {
  customerId?: string;
  status?: SubscriptionStatus;
}

@Injectable()
export class SubscriptionRepository {
  constructor(private readonly db: Db) {}

  getById(tenant: Tenant, id: string): Promise<SubscriptionEntity> {
    return findOwned(this.db.repo(SubscriptionEntity), tenant, id, 'subscription');
  }

  // Row lock: changes to one row serialise; the caller holds the transaction.
  getForUpdate(tenant: Tenant, id: string): Promise<SubscriptionEntity> {
    return findOwned(this.db.repo(SubscriptionEntity), tenant, id, 'subscription', { lock: true });
  }

  list(tenant: Tenant, filter: SubscriptionFilter): Promise<Page<SubscriptionEntity>> {
    const qb = this.db.repo(SubscriptionEntity).createQueryBuilder('s');
    if (filter.customerId) qb.andWhere('s.customer_id = :customerId', { customerId: filter.customerId });
    if (filter.status) qb.andWhere('s.status = :status', { status: filter.status });
    return paginate(qb, tenant, filter);
  }

  save(subscription: SubscriptionEntity): Promise<SubscriptionEntity> {
    return this.db.repo(SubscriptionEntity).save(subscription);
  }
}
