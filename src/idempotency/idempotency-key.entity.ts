import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('idempotency_key')
export class IdempotencyKeyEntity {
  @PrimaryColumn('text', { name: 'merchant_id' }) merchantId!: string;
  @PrimaryColumn('boolean') livemode!: boolean;
  @PrimaryColumn('text') key!: string;
  @Column('text') fingerprint!: string;
  @Column('int', { name: 'response_status' }) responseStatus!: number;
  @Column('jsonb', { name: 'response_body' }) responseBody!: unknown;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}
