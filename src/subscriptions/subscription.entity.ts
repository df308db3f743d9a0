import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { SubscriptionStatus } from './subscription-lifecycle';

@Entity('subscription')
export class SubscriptionEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'customer_id' }) customerId!: string;
  @Column('text', { name: 'plan_id' }) planId!: string;
  @Column('text', { name: 'price_id' }) priceId!: string;
  @Column('text', { name: 'asset_id' }) assetId!: string;
  @Column('int', { default: 1 }) quantity!: number;
  @Column('text') status!: SubscriptionStatus;
  @Column('timestamptz', { name: 'current_period_start' }) currentPeriodStart!: Date;
  @Column('timestamptz', { name: 'current_period_end' }) currentPeriodEnd!: Date;
  @Column('boolean', { name: 'cancel_at_period_end', default: false }) cancelAtPeriodEnd!: boolean;
  @Column('text', { name: 'cancellation_reason', nullable: true }) cancellationReason!: string | null;
  @Column('timestamptz', { name: 'canceled_at', nullable: true }) canceledAt!: Date | null;
  @Column('timestamptz', { name: 'ended_at', nullable: true }) endedAt!: Date | null;
  @Column('timestamptz', { name: 'paused_at', nullable: true }) pausedAt!: Date | null;
  @Column('timestamptz', { name: 'resume_at', nullable: true }) resumeAt!: Date | null;
  @Column('timestamptz', { name: 'grace_until', nullable: true }) graceUntil!: Date | null;
  @Column('text', { name: 'pending_plan_id', nullable: true }) pendingPlanId!: string | null;
  // An upgrade waiting for its proration invoice (all four set or all null); not the downgrade above.
  @Column('text', { name: 'pending_update_plan_id', nullable: true }) pendingUpdatePlanId!: string | null;
  @Column('text', { name: 'pending_update_price_id', nullable: true }) pendingUpdatePriceId!: string | null;
  @Column('text', { name: 'pending_update_invoice_id', nullable: true }) pendingUpdateInvoiceId!: string | null;
  @Column('timestamptz', { name: 'pending_update_created_at', nullable: true }) pendingUpdateCreatedAt!: Date | null;
  @Column('jsonb', { default: () => "'{}'" }) metadata!: Record<string, string>;
  // Bumped on every save; transitions also take a row lock (SELECT … FOR UPDATE) so they serialise.
  @VersionColumn() version!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
