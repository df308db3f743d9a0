import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer';

export type PaymentState = 'seen' | 'confirmed' | 'final' | 'orphaned';

// One on-chain transfer into a merchant's receiving address, identified by (chain, tx, log, block).
@Entity('payment')
export class PaymentEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('int', { name: 'chain_id' }) chainId!: number;
  @Column('text', { name: 'tx_hash' }) txHash!: string;
  @Column('int', { name: 'log_index' }) logIndex!: number;
  @Column('text', { name: 'block_hash' }) blockHash!: string;
  @Column('bigint', { name: 'block_number', transformer: bigintTransformer }) blockNumber!: bigint;
  @Column('timestamptz', { name: 'block_timestamp' }) blockTimestamp!: Date;
  @Column('text', { name: 'asset_id', nullable: true }) assetId!: string | null;
  @Column('text') token!: string;
  @Column('text', { name: 'from_address' }) fromAddress!: string;
  @Column('text', { name: 'to_address' }) toAddress!: string;
  @Column('numeric', { precision: 78, scale: 0, transformer: bigintTransformer }) amount!: bigint;
  @Column('text') kind!: 'erc20' | 'native' | 'internal';
  @Column('text') state!: PaymentState;
  @Column('text', { name: 'invoice_id', nullable: true }) invoiceId!: string | null;
  @Column('text', { name: 'customer_id', nullable: true }) customerId!: string | null;
  @Column('text', { name: 'matched_by', nullable: true }) matchedBy!: 'amount' | 'binding' | 'claim' | 'manual' | null;
  @Column('text', { array: true, default: () => "'{}'" }) flags!: string[];
  // Arrived after the invoice expired but within its monitoring window.
  @Column('boolean', { default: false }) late!: boolean;
  @Column('text', { name: 'suggested_customer_id', nullable: true }) suggestedCustomerId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
