import { AuditEventEntity } from '../audit/audit-event.entity';
import { AssetEntity } from '../catalog/asset.entity';
import { PlanEntity } from '../catalog/plan.entity';
import { PriceEntity } from '../catalog/price.entity';
import { BillingProfileEntity } from '../customers/billing-profile.entity';
import { CustomerEntity } from '../customers/customer.entity';
import { IdempotencyKeyEntity } from '../idempotency/idempotency-key.entity';
import { InvoiceEntity } from '../invoices/invoice.entity';
import { ApiKeyEntity } from '../merchants/api-key.entity';
import { MerchantEntity } from '../merchants/merchant.entity';
import { OutboxEventEntity } from '../outbox/outbox-event.entity';
import { SubscriptionEntity } from '../subscriptions/subscription.entity';

export const ENTITIES = [
  MerchantEntity,
  ApiKeyEntity,
  CustomerEntity,
  BillingProfileEntity,
  AssetEntity,
  PlanEntity,
  PriceEntity,
  SubscriptionEntity,
  InvoiceEntity,
  AuditEventEntity,
  OutboxEventEntity,
  IdempotencyKeyEntity,
];
