import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type DashboardRole = 'owner' | 'staff';

@Entity('dashboard_user')
export class DashboardUserEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('text') email!: string;
  // `scrypt$N$r$p$salt$hash`; see password-hash.ts.
  @Column('text', { name: 'password_hash' }) passwordHash!: string;
  @Column('text') role!: DashboardRole;
  // Set for an operator-issued one-time password: the first sign-in must choose a new one.
  @Column('boolean', { name: 'must_change_password', default: false }) mustChangePassword!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'last_sign_in_at', nullable: true }) lastSignInAt!: Date | null;
  @Column('timestamptz', { name: 'disabled_at', nullable: true }) disabledAt!: Date | null;
}
