import { Injectable } from '@nestjs/common';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { findOwned, paginate, type Page, type PageQuery } from '../database/tenant-scope';
import { CustomerEntity } from './customer.entity';

export interface CustomerFilter extends PageQuery {
  email?: string;
  externalId?: string;
}

@Injectable()
export class CustomerRepository {
  constructor(private readonly db: Db) {}

  getById(tenant: Tenant, id: string): Promise<CustomerEntity> {
    return findOwned(this.db.repo(CustomerEntity), tenant, id, 'customer');
  }

  // Row lock: changes to one row serialise; the caller holds the transaction.
  getForUpdate(tenant: Tenant, id: string): Promise<CustomerEntity> {
    return findOwned(this.db.repo(CustomerEntity), tenant, id, 'customer', { lock: true });
  }

  list(tenant: Tenant, filter: CustomerFilter): Promise<Page<CustomerEntity>> {
    const qb = this.db.repo(CustomerEntity).createQueryBuilder('c').where('c.deleted_at IS NULL');
    if (filter.email) qb.andWhere('lower(c.email) = lower(:email)', { email: filter.email });
    if (filter.externalId) qb.andWhere('c.external_id = :externalId', { externalId: filter.externalId });
    return paginate(qb, tenant, filter);
  }

  // For callers whose merchant comes from a verified credential (portal links) rather than an API key.
  findInMerchant(merchantId: string, id: string): Promise<CustomerEntity | null> {
    return this.db.repo(CustomerEntity).findOneBy({ merchantId, id });
  }

  findByExternalId(tenant: Tenant, externalId: string): Promise<CustomerEntity | null> {
    return this.db.repo(CustomerEntity).findOneBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, externalId });
  }

  save(customer: CustomerEntity): Promise<CustomerEntity> {
    return this.db.repo(CustomerEntity).save(customer);
  }
}
