import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('chain_cursor')
export class ChainCursorEntity {
  @PrimaryColumn('int', { name: 'chain_id' }) chainId!: number;
  @Column('bigint', { name: 'head_number' }) headNumber!: string;
  @Column('text', { name: 'head_hash' }) headHash!: string;
  @Column('bigint', { name: 'finalized_number', nullable: true }) finalizedNumber!: string | null;
  @Column('text', { name: 'finalized_hash', nullable: true }) finalizedHash!: string | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
