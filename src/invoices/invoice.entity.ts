import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer';
import type { InvoiceStatus } from './invoice-lifecycle';

export type { InvoiceStatus } from './invoice-lifecycle';

export interface InvoiceLineItem {
  kind: 'plan' | 'proration' | 'usage' | 'credit';
  description: string;
  planId: string | null;
  priceId: string | null;
  quantity: number;
  unitAmount: string; // base units, as a string inside JSON
  amount: string;
  periodStart: string | null;
  periodEnd: string | null;
}

@Entity('invoice')
export class InvoiceEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'customer_id' }) customerId!: string;
  @Column('text', { name: 'subscription_id', nullable: true }) subscriptionId!: string | null;
  @Column('text') number!: string;
  @Column('text') status!: InvoiceStatus;
  @Column('text', { name: 'billing_reason' }) billingReason!: 'subscription_create' | 'subscription_cycle' | 'subscription_update' | 'manual';
  @Column('text', { name: 'asset_id' }) assetId!: string;
  @Column('int', { name: 'chain_id' }) chainId!: number;
  @Column('text') token!: string;
  @Column('text', { name: 'pay_to' }) payTo!: string;
  @Column('numeric', { precision: 78, scale: 0, transformer: bigintTransformer }) subtotal!: bigint;
  // subtotal + tag: the exact amount that identifies this invoice on (chain, token, pay_to).
  @Column('numeric', { name: 'amount_due', precision: 78, scale: 0, transformer: bigintTransformer }) amountDue!: bigint;
  @Column('int') tag!: number;
  // True while the amount tag is reserved: awaiting payment, and after that until monitor_until.
  @Column('boolean', { name: 'tag_held', default: true }) tagHeld!: boolean;
  @Column('numeric', { name: 'amount_received', precision: 78, scale: 0, transformer: bigintTransformer, default: 0 }) amountReceived!: bigint;
  @Column('numeric', { name: 'amount_confirmed', precision: 78, scale: 0, transformer: bigintTransformer, default: 0 }) amountConfirmed!: bigint;
  // The surplus (overpayment, repeat payment, money sent to a void invoice) moved to customer credit.
  @Column('numeric', { name: 'amount_credited', precision: 78, scale: 0, transformer: bigintTransformer, default: 0 }) amountCredited!: bigint;
  @Column('jsonb', { name: 'line_items' }) lineItems!: InvoiceLineItem[];
  @Column('timestamptz', { name: 'period_start', nullable: true }) periodStart!: Date | null;
  @Column('timestamptz', { name: 'period_end', nullable: true }) periodEnd!: Date | null;
  @Column('timestamptz', { name: 'due_at' }) dueAt!: Date;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @Column('timestamptz', { name: 'monitor_until' }) monitorUntil!: Date;
  @Column('timestamptz', { name: 'paid_at', nullable: true }) paidAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
