import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Hash } from 'viem';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { ChainReader } from '../chain/chain.reader';
import { Clock } from '../common/clock';
import { DomainError, NotFoundError } from '../common/errors';
import { newId } from '../common/ids';
import type { Actor, Tenant } from '../common/tenant';
import { Db, isUniqueViolation } from '../database/db.service';
import type { Page } from '../database/tenant-scope';
import type { InvoiceEntity } from '../invoices/invoice.entity';
import { acceptsManualPayment } from '../invoices/invoice-lifecycle';
import { InvoiceRepository } from '../invoices/invoice.repository';
import { DEFAULT_BILLING_SETTINGS } from '../merchants/merchant.defaults';
import { MerchantRepository } from '../merchants/merchant.repository';
import { claimView, type ClaimView } from '../payments/claim.presenter';
import { ClaimRepository, type ClaimFilter } from '../payments/claim.repository';
import { PaymentClaimEntity } from '../payments/payment-claim.entity';
import type { PaymentEntity } from '../payments/payment.entity';
import { paymentView } from '../payments/payment.presenter';
import { judgeClaim, type ClaimVerdict } from './claim-rules';
import { CLAIM_JOB, CLAIM_QUEUE, claimJobId } from './reconciliation.jobs';
import { ReconciliationRepository } from './reconciliation.repository';
import { SettlementService, SYSTEM_ACTOR } from './settlement.service';

export { claimView } from '../payments/claim.presenter';

// The claim job's answer when the scanner has not yet passed the transfer's block: try again later.
export class ClaimNotYetScanned extends Error {}

// Rule 3: a transaction hash claimed for an invoice ("I paid from an exchange"). The claim is
// judged only once the scanner has recorded the transfer's block, so the amount tag and wallet
// rules always decide first; the claim then only ever takes a transfer nobody else can own, and
// (by default) waits for the merchant's review before it credits anything.
@Injectable()
export class ClaimService {
  constructor(
    private readonly db: Db,
    private readonly claims: ClaimRepository,
    private readonly invoices: InvoiceRepository,
    private readonly merchants: MerchantRepository,
    private readonly chain: ReconciliationRepository,
    private readonly reader: ChainReader,
    private readonly settlement: SettlementService,
    private readonly changes: ChangeRecorder,
    private readonly clock: Clock,
    @InjectQueue(CLAIM_QUEUE) private readonly queue: Queue,
  ) {}

  async submit(tenant: Tenant, actor: Actor, invoiceId: string, txHash: string): Promise<ClaimView> {
    const claim = await this.db.transaction(async () => {
      const invoice = await this.invoices.getById(tenant, invoiceId);
      if (!acceptsManualPayment(invoice.status)) throw new DomainError('unprocessable', `Invoice ${invoiceId} is ${invoice.status}: nothing to claim`);
      const row = Object.assign(new PaymentClaimEntity(), {
        id: newId('clm'),
        merchantId: tenant.merchantId,
        livemode: tenant.livemode,
        invoiceId: invoice.id,
        customerId: invoice.customerId,
        chainId: invoice.chainId,
        txHash: txHash.toLowerCase(),
        status: 'pending',
        reason: null,
        fromAddress: null,
        amount: null,
        blockNumber: null,
        blockTimestamp: null,
        logIndex: null,
        blockHash: null,
        paymentId: null,
        reviewNote: null,
        createdBy: actor.initiator,
        resolvedBy: null,
        resolvedAt: null,
      });
      try {
        await this.db.savepoint(this.db.manager, 'claim', () => this.claims.save(row));
      } catch (err) {
        if (isUniqueViolation(err, 'payment_claim_tx_uq')) throw new DomainError('conflict', 'This transaction was already claimed');
        throw err;
      }
      await this.changes.record(tenant, actor, { action: 'payment_claim.create', eventType: 'payment_claim.created', targetType: 'payment_claim', targetId: row.id, customerId: row.customerId, object: claimView(row) });
      return row;
    });
    await this.queue.add(CLAIM_JOB, { claimId: claim.id }, { jobId: claimJobId(claim.id), attempts: 8, backoff: { type: 'exponential', delay: 2_000 } });
    return claimView(claim);
  }

  list(tenant: Tenant, filter: ClaimFilter): Promise<Page<PaymentClaimEntity>> {
    return this.claims.list(tenant, filter);
  }

  async get(tenant: Tenant, id: string): Promise<ClaimView> {
    return claimView(await this.claims.getById(tenant, id));
  }

  // Judges a pending claim. Throws ClaimNotYetScanned while the scanner is behind the transfer's
  // block (the job re-runs later); RPC errors propagate and are retried.
  async verify(claimId: string): Promise<PaymentClaimEntity> {
    const pending = await this.claims.findById(claimId);
    if (!pending) throw new NotFoundError('payment claim', claimId);
    if (pending.status !== 'pending') return pending;
    const tenant: Tenant = { merchantId: pending.merchantId, livemode: pending.livemode };
    const invoice = await this.invoices.getById(tenant, pending.invoiceId);
    // Chain reads happen outside the transaction; the judgement re-reads everything under locks.
    const found = await this.reader.claimedTransfer(pending.chainId, pending.txHash as Hash, invoice.token, invoice.payTo);
    if (!('rejected' in found)) {
      const scanned = await this.chain.scannedThrough(pending.chainId);
      if (scanned === null || scanned < found.transfer.blockNumber) throw new ClaimNotYetScanned(`chain ${pending.chainId} not yet scanned through block ${found.transfer.blockNumber}`);
    }
    return this.db.transaction(async () => {
      const claim = await this.claims.lockById(claimId);
      if (!claim || claim.status !== 'pending') return claim!;
      if ('rejected' in found) return this.resolve(tenant, SYSTEM_ACTOR, claim, 'rejected', found.rejected);
      const { transfer } = found;
      Object.assign(claim, { fromAddress: transfer.from, amount: transfer.amount, blockNumber: transfer.blockNumber, blockTimestamp: found.header.timestamp, logIndex: transfer.logIndex, blockHash: transfer.blockHash });
      const { verdict, payment, invoice: locked } = await this.judge(tenant, claim);
      if (verdict.verdict === 'reject') return this.resolve(tenant, SYSTEM_ACTOR, claim, 'rejected', verdict.reason);
      if (verdict.verdict === 'review') return this.resolve(tenant, SYSTEM_ACTOR, claim, 'needs_review', verdict.reason);
      return this.credit(tenant, SYSTEM_ACTOR, claim, payment!, locked);
    });
  }

  // The merchant's decision on a claim waiting for review. Approval re-runs every guard: the
  // transfer may have been matched, reversed or claimed meanwhile.
  async approve(tenant: Tenant, actor: Actor, id: string, note: string | null): Promise<ClaimView> {
    return this.db.transaction(async () => {
      const claim = await this.claims.getForUpdate(tenant, id);
      if (claim.status !== 'needs_review') throw new DomainError('illegal_transition', `Payment claim ${id} is ${claim.status}; only a claim waiting for review can be approved`);
      claim.reviewNote = note;
      const { verdict, payment, invoice } = await this.judge(tenant, claim, 'auto');
      if (verdict.verdict !== 'credit') throw new DomainError('illegal_transition', `Payment claim ${id} can no longer be approved: ${verdict.verdict === 'reject' ? verdict.reason : 'review'}`);
      return claimView(await this.credit(tenant, actor, claim, payment!, invoice));
    });
  }

  async reject(tenant: Tenant, actor: Actor, id: string, reason: string): Promise<ClaimView> {
    return this.db.transaction(async () => {
      const claim = await this.claims.getForUpdate(tenant, id);
      if (claim.status !== 'needs_review') throw new DomainError('illegal_transition', `Payment claim ${id} is ${claim.status}; only a claim waiting for review can be rejected`);
      return claimView(await this.resolve(tenant, actor, claim, 'rejected', reason));
    });
  }

  // Gathers the facts under row locks (invoice, then the recorded transfer) and applies the rules.
  private async judge(tenant: Tenant, claim: PaymentClaimEntity, mode?: 'auto') {
    const invoice = await this.invoices.lockOwned(tenant, claim.invoiceId);
    const payment = await this.chain.lockRecordedTransfer(tenant, claim.chainId, claim.txHash, claim.logIndex!, claim.blockHash!);
    // One connection inside the transaction: one query after the other.
    const heldTag = payment ? await this.chain.heldTagInvoiceId(invoice.chainId, invoice.token, invoice.payTo, payment.amount) : null;
    const sender = payment ? await this.chain.activeWallet(tenant.merchantId, payment.fromAddress) : null;
    const merchant = await this.merchants.getById(tenant.merchantId);
    const verdict: ClaimVerdict = judgeClaim(
      {
        invoice,
        payment,
        heldTagInvoiceId: heldTag,
        senderCustomerId: sender && sender.livemode === tenant.livemode ? sender.customerId : null,
        claimsMode: mode ?? merchant?.billingSettings.claims ?? DEFAULT_BILLING_SETTINGS.claims ?? 'review',
      },
      acceptsManualPayment(invoice.status),
    );
    return { verdict, payment, invoice };
  }

  private async credit(tenant: Tenant, actor: Actor, claim: PaymentClaimEntity, payment: PaymentEntity, invoice: InvoiceEntity): Promise<PaymentClaimEntity> {
    const before = { invoiceId: payment.invoiceId, matchedBy: payment.matchedBy };
    Object.assign(payment, { invoiceId: invoice.id, customerId: invoice.customerId, matchedBy: 'claim', late: payment.blockTimestamp > invoice.expiresAt });
    await this.chain.setMatch(payment.id, payment);
    await this.changes.record(tenant, actor, { action: 'payment.claim', eventType: 'payment.matched', targetType: 'payment', targetId: payment.id, customerId: payment.customerId, object: paymentView(payment), before, after: { invoiceId: invoice.id, matchedBy: 'claim' } });
    claim.paymentId = payment.id;
    const resolved = await this.resolve(tenant, actor, claim, 'verified', null);
    await this.settlement.recompute(invoice.id, actor);
    return resolved;
  }

  private async resolve(tenant: Tenant, actor: Actor, claim: PaymentClaimEntity, status: 'needs_review' | 'verified' | 'rejected', reason: string | null): Promise<PaymentClaimEntity> {
    const before = claim.status;
    claim.status = status;
    claim.reason = reason;
    if (status !== 'needs_review') {
      claim.resolvedAt = this.clock.now();
      claim.resolvedBy = actor.initiator;
    }
    const saved = await this.claims.save(claim);
    await this.changes.record(tenant, actor, {
      action: `payment_claim.${status}`,
      eventType: `payment_claim.${status}`,
      targetType: 'payment_claim',
      targetId: claim.id,
      customerId: claim.customerId,
      object: claimView(saved),
      before: { status: before },
      after: { status, reason },
    });
    return saved;
  }
}
