import { Column, CreateDateColumn, Entity, OneToMany, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { PriceEntity } from './price.entity';

export type IntervalUnit = 'day' | 'week' | 'month' | 'year';

@Entity('plan')
export class PlanEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text') name!: string;
  @Column('text', { nullable: true }) description!: string | null;
  @Column('text', { name: 'interval_unit' }) intervalUnit!: IntervalUnit;
  @Column('int', { name: 'interval_count' }) intervalCount!: number;
  @Column('boolean', { default: true }) active!: boolean;
  @Column('jsonb', { default: () => "'{}'" }) metadata!: Record<string, string>;
  @OneToMany('PriceEntity', (price: PriceEntity) => price.plan) prices!: PriceEntity[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
