import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('chain_cursor')
export class ChainCursorEntity {
  @PrimaryColumn('int', { name: 'chain_id' }) chainId!: number;
  @Column('bigint', { name: 'head_number' }) headNumber!: string;
  @Column('text', { name: 'head_hash' }) headHash!: string;
  @Column('bigint', { name: 'finalized_number', nullable: true }) finalizedNumber!: string | null;
  @Column('text', { name: 'finalized_hash', nullable: true }) finalizedHash!: string | null;
  @Column('timestamptz', { name: 'head_timestamp', nullable: true }) headTimestamp!: Date | null;
  // A reorg deeper than finality stops the chain until an operator looks: never guess.
  @Column('timestamptz', { name: 'halted_at', nullable: true }) haltedAt!: Date | null;
  @Column('text', { name: 'halt_reason', nullable: true }) haltReason!: string | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
