import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type EndpointStatus = 'enabled' | 'disabled';

// A merchant's receiver. The signing secret is AEAD-encrypted, bound to (merchant, table, column, row);
// during a rotation the previous secret is kept (and signed with) until previous_secret_expires_at.
@Entity('webhook_endpoint')
export class WebhookEndpointEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text') url!: string;
  @Column('text', { nullable: true }) description!: string | null;
  // Empty = every event type.
  @Column('text', { name: 'event_types', array: true, default: () => "'{}'" }) eventTypes!: string[];
  @Column('text', { default: 'enabled' }) status!: EndpointStatus;
  @Column('text', { name: 'disabled_reason', nullable: true }) disabledReason!: string | null;
  @Column('timestamptz', { name: 'disabled_at', nullable: true }) disabledAt!: Date | null;
  @Column('text', { name: 'secret_enc' }) secretEnc!: string;
  @Column('text', { name: 'previous_secret_enc', nullable: true }) previousSecretEnc!: string | null;
  @Column('timestamptz', { name: 'previous_secret_expires_at', nullable: true }) previousSecretExpiresAt!: Date | null;
  // Start of the current run of failed attempts (null after any success): drives the 5-day disable.
  @Column('timestamptz', { name: 'failing_since', nullable: true }) failingSince!: Date | null;
  @Column('timestamptz', { name: 'last_failure_notice_at', nullable: true }) lastFailureNoticeAt!: Date | null;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
