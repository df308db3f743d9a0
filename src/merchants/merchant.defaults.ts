import type { BillingSettings, Branding, PortalSettings } from './merchant.entity';

export const DEFAULT_BRANDING: Branding = {
  logoUrl: null,
  primaryColor: '#1f4fd1',
  accentColor: '#0f9d77',
  footerText: null,
  supportEmail: null,
};

export const DEFAULT_PORTAL_SETTINGS: PortalSettings = {
  cancel: true,
  cancelMode: 'at_period_end',
  pause: false,
  maxPauseDays: 90,
  switchPlan: true,
  allowedPlanSwitches: [],
  profileEdit: true,
  walletLink: true,
  invoiceDownload: true,
  cancellationReasons: ['Too expensive', 'Missing features', 'Switching to another product', 'No longer needed', 'Other'],
};

export const DEFAULT_BILLING_SETTINGS: BillingSettings = {
  renewalLeadDays: 3,
  graceDays: 7,
  onGraceExpiry: 'cancel',
  claims: 'review',
};
