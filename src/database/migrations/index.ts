import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { PortalAndPayments1763900000000 } from './1763900000000-portal-and-payments';
import { ChainReconciliation1763950000000 } from './1763950000000-chain-reconciliation';
import { PaymentClaims1763960000000 } from './1763960000000-payment-claims';
import { BillingJobs1764000000000 } from './1764000000000-billing-jobs';
import { LinkKeysPerMode1764100000000 } from './1764100000000-link-keys-per-mode';
import { ChainLatestHead1764150000000 } from './1764150000000-chain-latest-head';
import { PayerWallets1764160000000 } from './1764160000000-payer-wallets';
import { Dashboard1764300000000 } from './1764300000000-dashboard';
import { Webhooks1764200000000 } from './1764200000000-webhooks';
import { SiweChallenges1764400000000 } from './1764400000000-siwe-challenges';
import { InvoiceLifecycleAndClaims1764500000000 } from './1764500000000-invoice-lifecycle-and-claims';
import { ReceivingAddressOwnership1764600000000 } from './1764600000000-receiving-address-ownership';
import { PendingUpgrades1764700000000 } from './1764700000000-pending-upgrades';

// Explicit list: later capabilities append their migrations here.
export const MIGRATIONS = [
  InitialSchema1763800000000,
  PortalAndPayments1763900000000,
  ChainReconciliation1763950000000,
  PaymentClaims1763960000000,
  BillingJobs1764000000000,
  LinkKeysPerMode1764100000000,
  ChainLatestHead1764150000000,
  PayerWallets1764160000000,
  Dashboard1764300000000,
  Webhooks1764200000000,
  SiweChallenges1764400000000,
  InvoiceLifecycleAndClaims1764500000000,
  ReceivingAddressOwnership1764600000000,
  PendingUpgrades1764700000000,
];
