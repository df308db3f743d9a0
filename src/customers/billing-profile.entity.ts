import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export interface BillingProfileData {
  legalName: string | null;
  company: string | null;
  email: string | null;
  address: {
    line1: string | null;
    line2: string | null;
    city: string | null;
    postalCode: string | null;
    region: string | null;
    country: string | null;
  };
  taxId: string | null;
}

// PII lives in one AEAD-encrypted column bound to (merchant, table, column, customer).
@Entity('billing_profile')
export class BillingProfileEntity {
  @PrimaryColumn('text', { name: 'customer_id' }) customerId!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'data_enc' }) dataEnc!: string;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
