import { CatalogModule } from './catalog/catalog.module';
import { CustomerModule } from './customers/customer.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { InvoiceModule } from './invoices/invoice.module';
import { MerchantModule } from './merchants/merchant.module';
import { PortalLinkModule } from './portal-links/portal-link.module';
import { PortalModule } from './portal/portal.module';
import { PortalAccessModule } from './portal-access/portal-access.module';
import { SubscriptionActionsModule } from './portal-actions/subscription-actions.module';
import { PortalAccountModule } from './portal-account/portal-account.module';
import { PortalPayModule } from './portal-pay/portal-pay.module';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { SubscriptionModule } from './subscriptions/subscription.module';
import { WalletsModule } from './wallets/wallets.module';
import { WebhookModule } from './webhooks/webhook.module';

// Feature modules shared by the API and the worker. Dependencies point one way:
// portal → portal-links → subscriptions → invoices / catalog / customers → merchants → core.
export const FEATURE_MODULES = [MerchantModule, CustomerModule, CatalogModule, InvoiceModule, SubscriptionModule, PortalLinkModule, ReconciliationModule, WebhookModule];

// HTTP-only features: the worker has no use for them.
export const API_FEATURE_MODULES = [PortalModule, PortalAccessModule, SubscriptionActionsModule, PortalPayModule, DashboardModule, WalletsModule, PortalAccountModule];
