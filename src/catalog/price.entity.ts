import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer';
import type { PlanEntity } from './plan.entity';

@Entity('price')
export class PriceEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'plan_id' }) planId!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'asset_id' }) assetId!: string;
  @Column('numeric', { precision: 78, scale: 0, transformer: bigintTransformer }) amount!: bigint;
  @ManyToOne('PlanEntity', (plan: PlanEntity) => plan.prices)
  @JoinColumn({ name: 'plan_id' })
  plan!: PlanEntity;
}
