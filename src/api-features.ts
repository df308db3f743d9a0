import { DashboardModule } from './dashboard/dashboard.module';
import { PortalModule } from './portal/portal.module';
import { PortalAccessModule } from './portal-access/portal-access.module';
import { SubscriptionActionsModule } from './portal-actions/subscription-actions.module';
import { PortalAccountModule } from './portal-account/portal-account.module';
import { PortalPayModule } from './portal-pay/portal-pay.module';
import { WalletsModule } from './wallets/wallets.module';

// HTTP-only features, in a file of their own so the worker never loads them (it boots faster).
export const API_FEATURE_MODULES = [PortalModule, PortalAccessModule, SubscriptionActionsModule, PortalPayModule, DashboardModule, WalletsModule, PortalAccountModule];
