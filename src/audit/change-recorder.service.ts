import { Injectable } from '@nestjs/common';
import type { Actor, Tenant } from '../common/tenant';
import type { EventData } from '../outbox/outbox-event.entity';
import { OutboxRepository } from '../outbox/outbox.repository';
import { AuditRepository } from './audit.repository';

export interface Change {
  action: string;
  eventType: string | null;
  targetType: string;
  targetId: string;
  customerId?: string | null;
  object: Record<string, unknown>;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

// One state change = one audit row + one outbox event, in the caller's transaction.
@Injectable()
export class ChangeRecorder {
  constructor(
    private readonly audit: AuditRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  async record(tenant: Tenant, actor: Actor, change: Change): Promise<void> {
    await this.audit.record(tenant, actor, {
      action: change.action,
      targetType: change.targetType,
      targetId: change.targetId,
      customerId: change.customerId ?? null,
      before: change.before ?? null,
      after: change.after ?? null,
    });
    if (change.eventType) await this.outbox.append(tenant, change.eventType, eventData(actor, change));
  }

  // The same rows as record() for each change, written in two statements.
  async recordMany(changes: TenantChange[]): Promise<void> {
    await this.audit.recordMany(
      changes.map(({ tenant, actor, change }) => ({
        tenant,
        actor,
        entry: { action: change.action, targetType: change.targetType, targetId: change.targetId, customerId: change.customerId ?? null, before: change.before ?? null, after: change.after ?? null },
      })),
    );
    await this.outbox.appendMany(changes.filter((c) => c.change.eventType).map(({ tenant, actor, change }) => ({ tenant, type: change.eventType!, data: eventData(actor, change) })));
  }
}

function eventData(actor: Actor, change: Change): EventData {
  return {
    object: change.object,
    initiated_by: actor.initiator,
    changes: change.before || change.after ? { before: change.before ?? null, after: change.after ?? null } : null,
  };
}

// For a batch of changes recorded together (one statement per table).
export interface TenantChange {
  tenant: Tenant;
  actor: Actor;
  change: Change;
}

// The fields that differ between two plain views, for before/after diffs.
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: b, after: a };
}

// The audit and outbox rows record() writes, as two CTE members of a caller's statement, for
// changes whose objects PostgreSQL is producing in that same statement (the chain scanner writes a
// chunk of payments and their events at once). `source` names a relation with, per change:
// audit_id (null: no audit row), event_id, event_type (null: no event), merchant_id, livemode,
// customer_id, action, target_type, target_id, object, after, ord (the events' order). The actor
// travels as parameters $first, $first+1, $first+2.
export function recordedChangesSql(source: string, first: number, actor: Actor): { sql: string; params: string[] } {
  const [type, id, initiator] = [`$${first}::text`, `$${first + 1}::text`, `$${first + 2}::text`];
  return {
    sql: `audit_rows AS (
        INSERT INTO audit_event (id, merchant_id, livemode, actor_type, actor_id, customer_id, action, target_type, target_id, changes, outcome)
        SELECT audit_id, merchant_id, livemode, ${type}, ${id}, customer_id, action, target_type, target_id, jsonb_build_object('before', NULL, 'after', after), 'success'
        FROM ${source} WHERE audit_id IS NOT NULL),
      outbox_rows AS (
        INSERT INTO outbox_event (id, merchant_id, livemode, type, data, created_at)
        SELECT event_id, merchant_id, livemode, event_type,
               jsonb_build_object('object', object, 'initiated_by', ${initiator}, 'changes', jsonb_build_object('before', NULL, 'after', after)),
               clock_timestamp() + ord * interval '1 microsecond'
        FROM ${source} WHERE event_type IS NOT NULL)`,
    params: [actor.type, actor.id, actor.initiator],
  };
}

