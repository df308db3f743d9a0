import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export interface Branding {
  logoUrl: string | null;
  primaryColor: string;
  accentColor: string;
  footerText: string | null;
  supportEmail: string | null;
}

export interface PortalSettings {
  cancel: boolean;
  cancelMode: 'at_period_end' | 'immediately';
  pause: boolean;
  maxPauseDays: number | null;
  switchPlan: boolean;
  allowedPlanSwitches: string[];
  profileEdit: boolean;
  walletLink: boolean;
  invoiceDownload: boolean;
  cancellationReasons: string[];
}

export interface BillingSettings {
  renewalLeadDays: number;
  graceDays: number;
  onGraceExpiry: 'cancel' | 'mark_unpaid';
  // How a customer's "I paid from an exchange" claim that passes every guard is credited:
  // at once ('auto') or after the merchant approves it ('review').
  claims?: 'auto' | 'review';
}

@Entity('merchant')
export class MerchantEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text') name!: string;
  @Column('text', { unique: true }) slug!: string;
  @Column('text', { default: 'active' }) status!: 'active' | 'disabled';
  @Column('jsonb') branding!: Branding;
  @Column('jsonb', { name: 'portal_settings' }) portalSettings!: PortalSettings;
  @Column('jsonb', { name: 'billing_settings' }) billingSettings!: BillingSettings;
  @Column('text', { name: 'return_url_prefixes', array: true, default: () => "'{}'" }) returnUrlPrefixes!: string[];
  @Column('text', { name: 'embed_origins', array: true, default: () => "'{}'" }) embedOrigins!: string[];
  @Column('int', { name: 'default_link_ttl_seconds', default: 86400 }) defaultLinkTtlSeconds!: number;
  @Column('int', { name: 'next_invoice_number', default: 1 }) nextInvoiceNumber!: number;
  // chain id → checksummed receiving address (non-custodial: the merchant's own wallet).
  @Column('jsonb', { name: 'receiving_addresses', default: () => "'{}'" }) receivingAddresses!: Record<string, string>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
