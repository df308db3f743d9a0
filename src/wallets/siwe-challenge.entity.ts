import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

// A server-authored Sign-In with Ethereum message waiting for its signature. Single use: the row
// is deleted on the first verify attempt, whatever the outcome.
@Entity('siwe_challenge')
export class SiweChallengeEntity {
  @PrimaryColumn('text') id!: string;
  // The portal session it was issued to (keyed hash, as in portal_session).
  @Column('text', { name: 'session_id_hash' }) sessionIdHash!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'customer_id' }) customerId!: string;
  @Column('int', { name: 'chain_id' }) chainId!: number;
  // EIP-55 checksummed, as written in the message.
  @Column('text') address!: string;
  @Column('text') nonce!: string;
  // The exact text to sign; the signed text must equal it byte for byte.
  @Column('text') message!: string;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
