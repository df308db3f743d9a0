import { Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { OutboxEventEntity, type EventData } from './outbox-event.entity';

@Injectable()
export class OutboxRepository {
  constructor(private readonly db: Db) {}

  // Must run inside the transaction of the change: callers use Db.transaction around both.
  async append(tenant: Tenant, type: string, data: EventData): Promise<OutboxEventEntity> {
    const row = this.db.repo(OutboxEventEntity).create({
      id: newId('evt'),
      merchantId: tenant.merchantId,
      livemode: tenant.livemode,
      type,
      data,
      dispatchedAt: null,
    });
    await this.db.repo(OutboxEventEntity).insert(row as never);
    return row;
  }

  listForMerchant(tenant: Tenant, limit = 50): Promise<OutboxEventEntity[]> {
    return this.db.repo(OutboxEventEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }
}
