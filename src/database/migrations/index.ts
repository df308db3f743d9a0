import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { PortalAndPayments1763900000000 } from './1763900000000-portal-and-payments';
import { ChainReconciliation1763950000000 } from './1763950000000-chain-reconciliation';

// Explicit list: later capabilities append their migrations here.
export const MIGRATIONS = [InitialSchema1763800000000, PortalAndPayments1763900000000, ChainReconciliation1763950000000];
