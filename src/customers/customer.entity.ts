import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('customer')
export class CustomerEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'external_id', nullable: true }) externalId!: string | null;
  @Column('text') email!: string;
  @Column('text', { nullable: true }) name!: string | null;
  // Bumping the epoch revokes every portal link minted before.
  @Column('int', { name: 'portal_token_epoch', default: 0 }) portalTokenEpoch!: number;
  // The asset the customer chose for future invoices (null: the plan's first price).
  @Column('text', { name: 'payment_asset_id', nullable: true }) paymentAssetId!: string | null;
  @Column('jsonb', { default: () => "'{}'" }) metadata!: Record<string, string>;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
