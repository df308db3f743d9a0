import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Hash } from 'viem';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { ChainReader } from '../chain/chain.reader';
import { assetId } from '../config/chains';
import { Clock } from '../common/clock';
import { DomainError, NotFoundError } from '../common/errors';
import { newId } from '../common/ids';
import type { Actor, Tenant } from '../common/tenant';
import { Db, isUniqueViolation } from '../database/db.service';
import { InvoiceRepository } from '../invoices/invoice.repository';
import { PaymentClaimEntity } from '../payments/payment-claim.entity';
import { PaymentEntity } from '../payments/payment.entity';
import { paymentView } from '../payments/payment.presenter';
import { CLAIM_JOB, CLAIM_QUEUE, claimJobId } from './reconciliation.jobs';
import { SettlementService, SYSTEM_ACTOR } from './settlement.service';

export function claimView(c: PaymentClaimEntity) {
  return {
    id: c.id,
    object: 'payment_claim' as const,
    invoiceId: c.invoiceId,
    chainId: c.chainId,
    txHash: c.txHash,
    status: c.status,
    reason: c.reason,
    paymentId: c.paymentId,
    createdAt: c.createdAt.toISOString(),
    resolvedAt: c.resolvedAt?.toISOString() ?? null,
  };
}

// Rule 3: a transaction hash claimed for an invoice is verified on chain by a job. A failed
// verification is final for that claim; a rejected hash may be claimed again later.
@Injectable()
export class ClaimService {
  constructor(
    private readonly db: Db,
    private readonly invoices: InvoiceRepository,
    private readonly reader: ChainReader,
    private readonly settlement: SettlementService,
    private readonly changes: ChangeRecorder,
    private readonly clock: Clock,
    @InjectQueue(CLAIM_QUEUE) private readonly queue: Queue,
  ) {}

  async submit(tenant: Tenant, actor: Actor, invoiceId: string, txHash: string) {
    const claim = await this.db.transaction(async () => {
      const invoice = await this.invoices.getById(tenant, invoiceId);
      if (invoice.status === 'paid' || invoice.status === 'void') throw new DomainError('unprocessable', `Invoice ${invoiceId} is ${invoice.status}: nothing to claim`);
      const row = Object.assign(new PaymentClaimEntity(), {
        id: newId('pay').replace('pay_', 'clm_'),
        merchantId: tenant.merchantId,
        livemode: tenant.livemode,
        invoiceId: invoice.id,
        customerId: invoice.customerId,
        chainId: invoice.chainId,
        txHash: txHash.toLowerCase(),
        status: 'pending',
        reason: null,
        paymentId: null,
        createdBy: actor.initiator,
        resolvedAt: null,
      });
      try {
        await this.db.savepoint(this.db.manager, 'claim', () => this.db.repo(PaymentClaimEntity).save(row));
      } catch (err) {
        if (isUniqueViolation(err, 'payment_claim_tx_uq')) throw new DomainError('conflict', 'This transaction was already claimed');
        throw err;
      }
      await this.changes.record(tenant, actor, { action: 'payment_claim.create', eventType: null, targetType: 'payment_claim', targetId: row.id, customerId: row.customerId, object: claimView(row) });
      return row;
    });
    await this.queue.add(CLAIM_JOB, { claimId: claim.id }, { jobId: claimJobId(claim.chainId, claim.txHash), attempts: 5, backoff: { type: 'exponential', delay: 2_000 } });
    return claimView(claim);
  }

  async verify(claimId: string): Promise<PaymentClaimEntity> {
    const pending = await this.db.repo(PaymentClaimEntity).findOneBy({ id: claimId });
    if (!pending) throw new NotFoundError('payment claim', claimId);
    if (pending.status !== 'pending') return pending;
    const invoice = await this.invoices.getById({ merchantId: pending.merchantId, livemode: pending.livemode }, pending.invoiceId);
    // Chain reads happen outside the transaction; the write re-checks everything under locks.
    const found = await this.reader.claimedTransfer(pending.chainId, pending.txHash as Hash, invoice.token, invoice.payTo);
    return this.db.transaction(async () => {
      const claim = await this.db.manager.getRepository(PaymentClaimEntity).findOne({ where: { id: claimId }, lock: { mode: 'pessimistic_write' } });
      if (!claim || claim.status !== 'pending') return claim!;
      const tenant = { merchantId: claim.merchantId, livemode: claim.livemode };
      if ('rejected' in found) return this.resolve(tenant, claim, 'rejected', found.rejected, null);
      const { transfer, header } = found;
      const existing = await this.db.repo(PaymentEntity).findOneBy({ merchantId: claim.merchantId, chainId: claim.chainId, txHash: transfer.txHash, logIndex: transfer.logIndex, blockHash: transfer.blockHash });
      if (existing?.invoiceId) return this.resolve(tenant, claim, 'rejected', 'this transfer already paid an invoice', null);
      if (existing?.state === 'orphaned') return this.resolve(tenant, claim, 'rejected', 'this transfer was reversed by a chain reorganisation', null);
      const payment =
        existing ??
        Object.assign(new PaymentEntity(), {
          id: newId('pay'),
          merchantId: claim.merchantId,
          livemode: claim.livemode,
          chainId: claim.chainId,
          txHash: transfer.txHash,
          logIndex: transfer.logIndex,
          blockHash: transfer.blockHash,
          blockNumber: transfer.blockNumber,
          blockTimestamp: header.timestamp,
          assetId: assetId(claim.chainId, transfer.token),
          token: transfer.token,
          fromAddress: transfer.from,
          toAddress: transfer.to,
          amount: transfer.amount,
          kind: transfer.kind,
          // The scanner promotes it from here on its next tick.
          state: 'seen',
          flags: [],
          late: false,
          suggestedCustomerId: null,
        });
      payment.invoiceId = invoice.id;
      payment.customerId = invoice.customerId;
      payment.matchedBy = 'claim';
      payment.late = header.timestamp > invoice.expiresAt;
      const saved = await this.db.repo(PaymentEntity).save(payment);
      await this.changes.record(tenant, SYSTEM_ACTOR, { action: 'payment.claim', eventType: existing ? 'payment.matched' : 'payment.detected', targetType: 'payment', targetId: saved.id, customerId: saved.customerId, object: paymentView(saved), after: { invoiceId: invoice.id, matchedBy: 'claim' } });
      const resolved = await this.resolve(tenant, claim, 'verified', null, saved.id);
      await this.settlement.recompute(invoice.id);
      return resolved;
    });
  }

  private async resolve(tenant: Tenant, claim: PaymentClaimEntity, status: 'verified' | 'rejected', reason: string | null, paymentId: string | null): Promise<PaymentClaimEntity> {
    claim.status = status;
    claim.reason = reason;
    claim.paymentId = paymentId;
    claim.resolvedAt = this.clock.now();
    const saved = await this.db.repo(PaymentClaimEntity).save(claim);
    await this.changes.record(tenant, SYSTEM_ACTOR, { action: `payment_claim.${status}`, eventType: null, targetType: 'payment_claim', targetId: claim.id, customerId: claim.customerId, object: claimView(saved), after: { status, reason } });
    return saved;
  }
}
