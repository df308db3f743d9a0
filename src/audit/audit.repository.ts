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

  listForTarget(tenant: Tenant, targetId: string): Promise<AuditEventEntity[]> {
    return this.db.repo(AuditEventEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, targetId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }
}
