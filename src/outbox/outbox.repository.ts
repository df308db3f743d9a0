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
    await this.db.manager.query(
      `INSERT INTO outbox_event (id, merchant_id, livemode, type, data, created_at)
       SELECT id, merchant_id, livemode, type, data::jsonb, clock_timestamp() + (ord * interval '1 microsecond')
       FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[], $5::text[]) WITH ORDINALITY AS u(id, merchant_id, livemode, type, data, ord)`,
      [events.map(() => newId('evt')), events.map((e) => e.tenant.merchantId), events.map((e) => e.tenant.livemode), events.map((e) => e.type), events.map((e) => JSON.stringify(e.data))],
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
