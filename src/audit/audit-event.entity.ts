import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type ActorType = 'api_key' | 'portal_session' | 'dashboard' | 'system' | 'cli';

// Append-only: a trigger refuses UPDATE and DELETE.
@Entity('audit_event')
export class AuditEventEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'actor_type' }) actorType!: ActorType;
  @Column('text', { name: 'actor_id' }) actorId!: string;
  @Column('text', { name: 'customer_id', nullable: true }) customerId!: string | null;
  @Column('text') action!: string;
  @Column('text', { name: 'target_type' }) targetType!: string;
  @Column('text', { name: 'target_id' }) targetId!: string;
  @Column('jsonb', { nullable: true }) changes!: { before: unknown; after: unknown } | null;
  @Column('text', { name: 'request_id', nullable: true }) requestId!: string | null;
  @Column('text', { nullable: true }) ip!: string | null;
  @Column('text', { name: 'user_agent', nullable: true }) userAgent!: string | null;
  @Column('text', { default: 'success' }) outcome!: 'success' | 'denied' | 'failure';
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
