import { Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import type { Actor, Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { AuditEventEntity } from './audit-event.entity';

export interface AuditRecord {
  action: string;
  targetType: string;
  targetId: string;
  customerId?: string | null;
  before?: unknown;
  after?: unknown;
  outcome?: AuditEventEntity['outcome'];
}

@Injectable()
export class AuditRepository {
  constructor(private readonly db: Db) {}

  async record(tenant: Tenant, actor: Actor, entry: AuditRecord): Promise<AuditEventEntity> {
    const row = this.db.repo(AuditEventEntity).create({
      id: newId('aud'),
      merchantId: tenant.merchantId,
      livemode: tenant.livemode,
      actorType: actor.type,
      actorId: actor.id,
      customerId: entry.customerId ?? null,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      changes: entry.before === undefined && entry.after === undefined ? null : { before: entry.before ?? null, after: entry.after ?? null },
      requestId: actor.requestId ?? null,
      ip: actor.ip ?? null,
      userAgent: actor.userAgent ?? null,
      outcome: entry.outcome ?? 'success',
    });
    // insert, not save: save() reads the row back first, a wasted query on every change.
    await this.db.repo(AuditEventEntity).insert(row as never);
    return row;
  }

  // Many rows in one statement (the chain scanner records a whole chunk of transfers at once).
  async recordMany(entries: { tenant: Tenant; actor: Actor; entry: AuditRecord }[]): Promise<void> {
    if (!entries.length) return;
    const col = <T>(pick: (e: (typeof entries)[number]) => T): T[] => entries.map(pick);
    await this.db.manager.query(
      `INSERT INTO audit_event (id, merchant_id, livemode, actor_type, actor_id, customer_id, action, target_type, target_id, changes, request_id, outcome)
       SELECT id, merchant_id, livemode, actor_type, actor_id, customer_id, action, target_type, target_id, changes::jsonb, request_id, outcome
       FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
         AS u(id, merchant_id, livemode, actor_type, actor_id, customer_id, action, target_type, target_id, changes, request_id, outcome)`,
      [
        col(() => newId('aud')),
        col((e) => e.tenant.merchantId),
        col((e) => e.tenant.livemode),
        col((e) => e.actor.type),
        col((e) => e.actor.id),
        col((e) => e.entry.customerId ?? null),
        col((e) => e.entry.action),
        col((e) => e.entry.targetType),
        col((e) => e.entry.targetId),
        col((e) => (e.entry.before === undefined && e.entry.after === undefined ? null : JSON.stringify({ before: e.entry.before ?? null, after: e.entry.after ?? null }))),
        col((e) => e.actor.requestId ?? null),
        col((e) => e.entry.outcome ?? 'success'),
      ],
    );
  }

  listForTarget(tenant: Tenant, targetId: string): Promise<AuditEventEntity[]> {
    return this.db.repo(AuditEventEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, targetId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }
}
