import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer';

@Entity('payer_wallet')
export class PayerWalletEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'customer_id' }) customerId!: string;
  // EIP-55 checksummed.
  @Column('text') address!: string;
  @Column('int', { name: 'chain_id' }) chainId!: number;
  @Column('timestamptz', { name: 'verified_at' }) verifiedAt!: Date;
  // Transfers before this block do not bind: the customer had not proved the wallet yet.
  @Column('bigint', { name: 'verified_block', transformer: bigintTransformer }) verifiedBlock!: bigint;
  @Column('timestamptz', { name: 'unlinked_at', nullable: true }) unlinkedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
