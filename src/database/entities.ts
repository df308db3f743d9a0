import { AuditEventEntity } from '../audit/audit-event.entity';
import { ChainBlockEntity } from '../chain/chain-block.entity';
import { ChainCursorEntity } from '../chain/chain-cursor.entity';
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
import { PaymentClaimEntity } from '../payments/payment-claim.entity';
import { PayerWalletEntity } from '../wallets/payer-wallet.entity';
import { SiweChallengeEntity } from '../wallets/siwe-challenge.entity';
import { PaymentEntity } from '../payments/payment.entity';
import { PortalSessionEntity } from '../portal-links/portal-session.entity';
import { LinkSigningKeyEntity } from '../portal-links/link-signing-key.entity';
import { PortalLinkEntity } from '../portal-links/portal-link.entity';
import { SubscriptionEntity } from '../subscriptions/subscription.entity';
import { DashboardSessionEntity } from '../dashboard/dashboard-session.entity';
import { DashboardUserEntity } from '../dashboard/dashboard-user.entity';
import { WebhookAttemptEntity } from '../webhooks/webhook-attempt.entity';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity';
import { WebhookEndpointEntity } from '../webhooks/webhook-endpoint.entity';
import { WebhookSigningKeyEntity } from '../webhooks/webhook-signing-key.entity';

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
  LinkSigningKeyEntity,
  PortalLinkEntity,
  PortalSessionEntity,
  ChainCursorEntity,
  ChainBlockEntity,
  PaymentEntity,
  PaymentClaimEntity,
  PayerWalletEntity,
  DashboardUserEntity,
  DashboardSessionEntity,
  WebhookEndpointEntity,
  WebhookSigningKeyEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
  SiweChallengeEntity,
];
