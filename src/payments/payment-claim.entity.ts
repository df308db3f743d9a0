import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('payment_claim')
export class PaymentClaimEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'invoice_id' }) invoiceId!: string;
  @Column('text', { name: 'customer_id' }) customerId!: string;
  @Column('int', { name: 'chain_id' }) chainId!: number;
  @Column('text', { name: 'tx_hash' }) txHash!: string;
  @Column('text') status!: 'pending' | 'verified' | 'rejected';
  @Column('text', { nullable: true }) reason!: string | null;
  @Column('text', { name: 'payment_id', nullable: true }) paymentId!: string | null;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'resolved_at', nullable: true }) resolvedAt!: Date | null;
}
