import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer';

@Entity('chain_block')
export class ChainBlockEntity {
  @PrimaryColumn('int', { name: 'chain_id' }) chainId!: number;
  @PrimaryColumn('text') hash!: string;
  @Column('bigint', { transformer: bigintTransformer }) number!: bigint;
  @Column('text', { name: 'parent_hash' }) parentHash!: string;
  @Column('timestamptz') timestamp!: Date;
  @Column('text') status!: 'canonical' | 'orphaned';
}
