import { Column, Entity, PrimaryColumn } from 'typeorm';

// Mirrors the configured chains' assets so prices and invoices can reference them by key.
@Entity('asset')
export class AssetEntity {
  @PrimaryColumn('text') id!: string;
  @Column('int', { name: 'chain_id' }) chainId!: number;
  @Column('text') token!: string;
  @Column('text') symbol!: string;
  @Column('int') decimals!: number;
  @Column('boolean') testnet!: boolean;
}
