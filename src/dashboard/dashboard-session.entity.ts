import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('dashboard_session')
export class DashboardSessionEntity {
  @PrimaryColumn('text', { name: 'id_hash' }) idHash!: string;
  @Column('text', { name: 'user_id' }) userId!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  // The mode the dashboard shows; every read and write is scoped by it.
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'csrf_secret' }) csrfSecret!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'last_seen_at' }) lastSeenAt!: Date;
  @Column('timestamptz', { name: 'idle_expires_at' }) idleExpiresAt!: Date;
  @Column('timestamptz', { name: 'absolute_expires_at' }) absoluteExpiresAt!: Date;
}
