import { Module } from '@nestjs/common';
import { ChainClients } from '../chain/chain.clients';
import { ChainReader } from '../chain/chain.reader';
import { InvoiceModule } from '../invoices/invoice.module';
import { MerchantModule } from '../merchants/merchant.module';
import { ClaimReviewController } from '../payments/claim-review.controller';
import { ClaimController } from '../payments/claim.controller';
import { ClaimRepository } from '../payments/claim.repository';
import { PaymentController } from '../payments/payment.controller';
import { PaymentRepository } from '../payments/payment.repository';
import { PaymentService } from '../payments/payment.service';
import { SubscriptionModule } from '../subscriptions/subscription.module';
import { ClaimService } from './claim.service';
import { IngestionRepository } from './ingestion.repository';
import { TransferIngestor } from './transfer-ingestor';
import { ReconciliationRepository } from './reconciliation.repository';
import { ReconciliationService } from './reconciliation.service';
import { SettlementService } from './settlement.service';

// Chain reading, matching and settlement, plus the merchant's payments API. The tick processor
// and its schedulers are wired in the worker only.
@Module({
  imports: [MerchantModule, InvoiceModule, SubscriptionModule],
  controllers: [PaymentController, ClaimController, ClaimReviewController],
  providers: [ChainClients, ChainReader, ClaimRepository, IngestionRepository, TransferIngestor, ReconciliationRepository, ReconciliationService, SettlementService, PaymentRepository, PaymentService, ClaimService],
  exports: [ChainClients, ChainReader, ClaimRepository, ReconciliationService, SettlementService, PaymentService, ClaimService],
})
export class ReconciliationModule {}
