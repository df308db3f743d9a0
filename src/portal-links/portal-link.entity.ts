import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('portal_link')
export class PortalLinkEntity {
  @PrimaryColumn('text') id!: string;
  @PrimaryColumn('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'customer_id' }) customerId!: string;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('boolean', { name: 'single_use' }) singleUse!: boolean;
  @Column('text', { array: true }) scopes!: string[];
  @Column('text', { name: 'initial_page', nullable: true }) initialPage!: string | null;
  @Column('text', { name: 'return_url', nullable: true }) returnUrl!: string | null;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
  @Column('timestamptz', { name: 'spent_at', nullable: true }) spentAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
