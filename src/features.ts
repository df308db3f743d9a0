import { CatalogModule } from './catalog/catalog.module';
import { CustomerModule } from './customers/customer.module';
import { InvoiceModule } from './invoices/invoice.module';
import { MerchantModule } from './merchants/merchant.module';
import { SubscriptionModule } from './subscriptions/subscription.module';

// Feature modules shared by the API and the worker. Dependencies point one way:
// subscriptions → invoices / catalog / customers → merchants → core.
export const FEATURE_MODULES = [MerchantModule, CustomerModule, CatalogModule, InvoiceModule, SubscriptionModule];
