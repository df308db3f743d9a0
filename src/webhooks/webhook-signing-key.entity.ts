import { CreateDateColumn, Column, Entity, PrimaryColumn } from 'typeorm';

// The merchant's Ed25519 key for v1a signatures, one per mode: a test-mode event must never carry
// a signature a live receiver accepts. Only the 32-byte seed is stored, encrypted.
@Entity('webhook_signing_key')
export class WebhookSigningKeyEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'seed_enc' }) seedEnc!: string;
  // whpk_<base64 of the 32-byte public key>
  @Column('text', { name: 'public_key' }) publicKey!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
