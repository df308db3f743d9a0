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

  // Many events in one statement, in the caller's transaction; created_at orders them as listed.
  async appendMany(events: { tenant: Tenant; type: string; data: EventData }[]): Promise<void> {
    if (!events.length) return;
    // One JSON document for the batch: cheaper for the driver than array literals of JSON strings.
    const doc = JSON.stringify(events.map((e, ord) => ({ id: newId('evt'), merchant_id: e.tenant.merchantId, livemode: e.tenant.livemode, type: e.type, data: e.data, ord })));
    await this.db.manager.query(
      `INSERT INTO outbox_event (id, merchant_id, livemode, type, data, created_at)
       SELECT r.id, r.merchant_id, r.livemode, r.type, r.data, clock_timestamp() + (ord * interval '1 microsecond')
       FROM json_to_recordset($1::json) AS r(id text, merchant_id text, livemode bool, type text, data jsonb, ord int)`,
      [doc],
    );
  }

  listForMerchant(tenant: Tenant, limit = 50): Promise<OutboxEventEntity[]> {
    return this.db.repo(OutboxEventEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }
}
