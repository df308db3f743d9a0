import { Column, Entity, PrimaryColumn } from 'typeorm';

// The cookie carries a random id; only its keyed hash is stored.
@Entity('portal_session')
export class PortalSessionEntity {
  @PrimaryColumn('text', { name: 'id_hash' }) idHash!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'customer_id' }) customerId!: string;
  @Column('text', { name: 'link_id' }) linkId!: string;
  @Column('text', { array: true }) scopes!: string[];
  @Column('text', { name: 'return_url', nullable: true }) returnUrl!: string | null;
  @Column('boolean', { default: false }) embed!: boolean;
  @Column('text', { name: 'csrf_secret' }) csrfSecret!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'last_seen_at' }) lastSeenAt!: Date;
  @Column('timestamptz', { name: 'idle_expires_at' }) idleExpiresAt!: Date;
  @Column('timestamptz', { name: 'absolute_expires_at' }) absoluteExpiresAt!: Date;
}
