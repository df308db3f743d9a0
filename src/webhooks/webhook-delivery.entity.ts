import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type DeliveryTrigger = 'event' | 'redeliver' | 'test';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

// One event on its way to one endpoint. PostgreSQL is the source of truth for retries:
// next_attempt_at says when, attempt_count which slot, lease_until who is sending right now.
@Entity('webhook_delivery')
export class WebhookDeliveryEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'event_id' }) eventId!: string;
  @Column('text', { name: 'endpoint_id' }) endpointId!: string;
  @Column('text') trigger!: DeliveryTrigger;
  @Column('text', { default: 'pending' }) status!: DeliveryStatus;
  @Column('int', { name: 'attempt_count', default: 0 }) attemptCount!: number;
  @Column('int', { name: 'max_attempts' }) maxAttempts!: number;
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true }) nextAttemptAt!: Date | null;
  @Column('timestamptz', { name: 'lease_until', nullable: true }) leaseUntil!: Date | null;
  @Column('int', { name: 'last_response_status', nullable: true }) lastResponseStatus!: number | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
