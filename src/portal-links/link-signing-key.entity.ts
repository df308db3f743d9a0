import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('link_signing_key')
export class LinkSigningKeyEntity {
  @PrimaryColumn('text') kid!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'secret_enc' }) secretEnc!: string;
  @Column('text') status!: 'current' | 'previous' | 'retired';
  @Column('timestamptz', { name: 'revealed_at', nullable: true }) revealedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'retired_at', nullable: true }) retiredAt!: Date | null;
}
