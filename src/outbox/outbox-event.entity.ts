import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type Initiator = 'customer_portal' | 'merchant_api' | 'dashboard' | 'system';

export interface EventData {
  object: Record<string, unknown>;
  initiated_by: Initiator;
  changes: { before: Record<string, unknown> | null; after: Record<string, unknown> | null } | null;
}

// Written in the transaction of the change it announces; the webhook dispatcher drains it.
@Entity('outbox_event')
export class OutboxEventEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text') type!: string;
  @Column('jsonb') data!: EventData;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'dispatched_at', nullable: true }) dispatchedAt!: Date | null;
}
