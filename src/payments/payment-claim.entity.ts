import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer';

export type ClaimStatus = 'pending' | 'needs_review' | 'verified' | 'rejected';

@Entity('payment_claim')
export class PaymentClaimEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'invoice_id' }) invoiceId!: string;
  @Column('text', { name: 'customer_id' }) customerId!: string;
  @Column('int', { name: 'chain_id' }) chainId!: number;
  @Column('text', { name: 'tx_hash' }) txHash!: string;
  @Column('text') status!: ClaimStatus;
  // Why it was rejected, or why it waits for the merchant's review.
  @Column('text', { nullable: true }) reason!: string | null;
  // The transfer as found on chain, once the claim has been judged.
  @Column('text', { name: 'from_address', nullable: true }) fromAddress!: string | null;
  @Column('numeric', { precision: 78, scale: 0, transformer: bigintTransformer, nullable: true }) amount!: bigint | null;
  @Column('bigint', { name: 'block_number', nullable: true, transformer: bigintTransformer }) blockNumber!: bigint | null;
  @Column('timestamptz', { name: 'block_timestamp', nullable: true }) blockTimestamp!: Date | null;
  @Column('int', { name: 'log_index', nullable: true }) logIndex!: number | null;
  @Column('text', { name: 'block_hash', nullable: true }) blockHash!: string | null;
  @Column('text', { name: 'review_note', nullable: true }) reviewNote!: string | null;
  @Column('text', { name: 'resolved_by', nullable: true }) resolvedBy!: string | null;
  @Column('text', { name: 'payment_id', nullable: true }) paymentId!: string | null;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'resolved_at', nullable: true }) resolvedAt!: Date | null;
}
