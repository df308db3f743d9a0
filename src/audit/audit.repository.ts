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
    const doc = JSON.stringify(
      entries.map((e) => ({
        id: newId('aud'),
        merchant_id: e.tenant.merchantId,
        livemode: e.tenant.livemode,
        actor_type: e.actor.type,
        actor_id: e.actor.id,
        customer_id: e.entry.customerId ?? null,
        action: e.entry.action,
        target_type: e.entry.targetType,
        target_id: e.entry.targetId,
        changes: e.entry.before === undefined && e.entry.after === undefined ? null : { before: e.entry.before ?? null, after: e.entry.after ?? null },
        request_id: e.actor.requestId ?? null,
        outcome: e.entry.outcome ?? 'success',
      })),
    );
    await this.db.manager.query(
      `INSERT INTO audit_event (id, merchant_id, livemode, actor_type, actor_id, customer_id, action, target_type, target_id, changes, request_id, outcome)
       SELECT * FROM json_to_recordset($1::json) AS r(id text, merchant_id text, livemode bool, actor_type text, actor_id text, customer_id text, action text,
                                                      target_type text, target_id text, changes jsonb, request_id text, outcome text)`,
      [doc],
    );
  }

  listForTarget(tenant: Tenant, targetId: string): Promise<AuditEventEntity[]> {
    return this.db.repo(AuditEventEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, targetId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }
}
