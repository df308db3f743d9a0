import { Injectable } from '@nestjs/common';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { findOwned, paginate, type Page, type PageQuery } from '../database/tenant-scope';
import { InvoiceEntity, type InvoiceStatus } from './invoice.entity';
import { MAX_TAG, MIN_TAG } from './amount-tag';

export interface InvoiceFilter extends PageQuery {
  customerId?: string;
  subscriptionId?: string;
  status?: InvoiceStatus;
}

@Injectable()
export class InvoiceRepository {
  constructor(private readonly db: Db) {}

  getById(tenant: Tenant, id: string): Promise<InvoiceEntity> {
    return findOwned(this.db.repo(InvoiceEntity), tenant, id, 'invoice');
  }

  list(tenant: Tenant, filter: InvoiceFilter): Promise<Page<InvoiceEntity>> {
    const qb = this.db.repo(InvoiceEntity).createQueryBuilder('i');
    if (filter.customerId) qb.andWhere('i.customer_id = :customerId', { customerId: filter.customerId });
    if (filter.subscriptionId) qb.andWhere('i.subscription_id = :subscriptionId', { subscriptionId: filter.subscriptionId });
    if (filter.status) qb.andWhere('i.status = :status', { status: filter.status });
    return paginate(qb, tenant, filter);
  }

  listHeldForSubscription(tenant: Tenant, subscriptionId: string): Promise<InvoiceEntity[]> {
    return this.db.repo(InvoiceEntity).find({ where: { merchantId: tenant.merchantId, livemode: tenant.livemode, subscriptionId, tagHeld: true } });
  }

  // Amounts already reserved on this address within the tag window of this subtotal (any merchant's,
  // since the uniqueness is per receiving address on chain).
  async heldAmounts(chainId: number, token: string, payTo: string, subtotal: bigint): Promise<bigint[]> {
    const rows: { amount_due: string }[] = await this.db.manager.query(
      `SELECT amount_due FROM invoice WHERE tag_held AND chain_id = $1 AND token = $2 AND pay_to = $3 AND amount_due BETWEEN $4 AND $5`,
      [chainId, token, payTo, (subtotal + BigInt(MIN_TAG)).toString(), (subtotal + BigInt(MAX_TAG)).toString()],
    );
    return rows.map((r) => BigInt(r.amount_due));
  }

  save(invoice: InvoiceEntity): Promise<InvoiceEntity> {
    return this.db.repo(InvoiceEntity).save(invoice);
  }
}
