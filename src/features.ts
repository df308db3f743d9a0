import { CatalogModule } from './catalog/catalog.module';
import { CustomerModule } from './customers/customer.module';
import { InvoiceModule } from './invoices/invoice.module';
import { MerchantModule } from './merchants/merchant.module';
import { PortalLinkModule } from './portal-links/portal-link.module';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { SubscriptionModule } from './subscriptions/subscription.module';
import { WebhookModule } from './webhooks/webhook.module';

// Feature modules shared by the API and the worker. Dependencies point one way:
// portal → portal-links → subscriptions → invoices / catalog / customers → merchants → core.
export const FEATURE_MODULES = [MerchantModule, CustomerModule, CatalogModule, InvoiceModule, SubscriptionModule, PortalLinkModule, ReconciliationModule, WebhookModule];

