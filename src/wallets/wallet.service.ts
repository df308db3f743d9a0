import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { Clock } from '../common/clock';
import { DomainError, NotFoundError } from '../common/errors';
import { randomBase62 } from '../common/ids';
import type { Actor } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { CustomerRepository } from '../customers/customer.repository';
import { Db, isUniqueViolation } from '../database/db.service';
import { RateLimiter, type RateLimit } from '../infra/rate-limiter';
import type { MerchantEntity } from '../merchants/merchant.entity';
import { MerchantRepository } from '../merchants/merchant.repository';
import type { PortalContext } from '../portal/portal-session.service';
import { PortalPresenter } from '../portal/portal.presenter';
import { formatDateTime } from '../portal/view-helpers';
import { PayerWalletEntity } from './payer-wallet.entity';
import { SiweChallengeEntity } from './siwe-challenge.entity';
import { checksum, parseSignature, SiweService } from './siwe.service';
import { WalletRepository } from './wallet.repository';

// Per portal session: enough for a few retries, far too few to grind signatures or fill the table.
export const CHALLENGE_LIMIT: RateLimit = { name: 'siwe_challenge', limit: 10, windowSeconds: 600 };
export const VERIFY_LIMIT: RateLimit = { name: 'siwe_verify', limit: 10, windowSeconds: 600 };

const VERIFY_FAILED = 'The signature could not be verified for this wallet and message. Start again and sign the exact message shown.';
const CHALLENGE_GONE = 'This signing request has expired or was already used. Start again to get a fresh message.';

export type LinkOutcome = 'linked' | 'already-linked';

@Injectable()
export class WalletService {
  constructor(
    private readonly wallets: WalletRepository,
    private readonly siwe: SiweService,
    private readonly merchants: MerchantRepository,
    private readonly customers: CustomerRepository,
    private readonly changes: ChangeRecorder,
    private readonly limiter: RateLimiter,
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async page(ctx: PortalContext, query: { challenge?: string; done?: string }) {
    const [merchant, customer, wallets] = await Promise.all([
      this.merchants.getById(ctx.tenant.merchantId),
      this.customers.findInMerchant(ctx.tenant.merchantId, ctx.customerId),
      this.wallets.activeForCustomer(ctx.tenant, ctx.customerId),
    ]);
    if (!merchant || !customer) throw new NotFoundError('customer');
    const now = this.clock.now();
    const canLink = this.linkAllowed(ctx, merchant);
    const chains = this.siwe.allowedChains(ctx.tenant.livemode);
    let challenge: { id: string; message: string; address: string; chainName: string; expiresAt: string } | null = null;
    if (canLink && query.challenge) {
      const row = await this.wallets.findChallenge(ctx.tenant, ctx.session.idHash, ctx.customerId, query.challenge);
      if (row && row.expiresAt > now) {
        challenge = { id: row.id, message: row.message, address: row.address, chainName: this.chainName(row.chainId), expiresAt: formatDateTime(row.expiresAt) };
      }
    }
    return {
      title: 'Wallets',
      brand: new PortalPresenter(this.config, now).brand(merchant),
      customer: { name: customer.name, email: customer.email },
      nav: { wallets: true },
      signedIn: true,
      csrfToken: ctx.csrfToken,
      returnUrl: ctx.session.returnUrl,
      testMode: !ctx.tenant.livemode,
      wallets: wallets.map((w) => ({ id: w.id, address: w.address, chainName: this.chainName(w.chainId), linkedAt: formatDateTime(w.verifiedAt) })),
      canLink: canLink && chains.length > 0,
      canUnlink: canLink,
      chains,
      singleChain: chains.length === 1 ? chains[0] : null,
      challenge,
      challengeGone: Boolean(query.challenge) && !challenge,
      notice: NOTICES[query.done ?? ''] ?? null,
    };
  }

  async createChallenge(ctx: PortalContext, input: { chainId: number; address: string }): Promise<string> {
    const merchant = await this.requireLinking(ctx);
    await this.limiter.hit(CHALLENGE_LIMIT, ctx.session.idHash);
    const address = checksum(input.address);
    if (!address) throw new DomainError('validation_failed', 'That address has an invalid checksum. Copy it again from your wallet.');
    if (!this.siwe.isAllowedChain(ctx.tenant.livemode, input.chainId)) throw new DomainError('validation_failed', 'Wallets cannot be linked on that network.');
    const now = this.clock.now();
    const authored = this.siwe.author({ merchantName: merchant.name, address, chainId: input.chainId, now });
    const id = `siwe_${randomBase62(22)}`;
    await this.db.transaction(async () => {
      await this.wallets.clearChallenges(ctx.session.idHash, now);
      await this.wallets.insertChallenge(
        Object.assign(new SiweChallengeEntity(), {
          id,
          sessionIdHash: ctx.session.idHash,
          merchantId: ctx.tenant.merchantId,
          livemode: ctx.tenant.livemode,
          customerId: ctx.customerId,
          chainId: input.chainId,
          address,
          nonce: authored.nonce,
          message: authored.message,
          expiresAt: authored.expiresAt,
          createdAt: now,
        }),
      );
    });
    return id;
  }

  async verify(ctx: PortalContext, input: { challengeId: string; message: string; signature: string }): Promise<LinkOutcome> {
    await this.requireLinking(ctx);
    await this.limiter.hit(VERIFY_LIMIT, ctx.session.idHash);
    // Single use: the challenge is gone (committed) before anything is checked, whatever follows.
    const challenge = await this.wallets.takeChallenge(ctx.tenant, ctx.session.idHash, ctx.customerId, input.challengeId);
    if (!challenge) throw new DomainError('unprocessable', CHALLENGE_GONE);
    const now = this.clock.now();
    if (now >= challenge.expiresAt) throw new DomainError('unprocessable', CHALLENGE_GONE);
    // Byte-exact before any parsing or cryptography: only the text we authored can be signed.
    if (input.message !== challenge.message) throw new DomainError('unprocessable', VERIFY_FAILED);
    const signature = parseSignature(input.signature);
    if (!signature) throw new DomainError('unprocessable', VERIFY_FAILED);
    const address = checksum(challenge.address);
    if (!address) throw new DomainError('unprocessable', VERIFY_FAILED);
    const valid = await this.siwe.verify({ livemode: ctx.tenant.livemode, message: input.message, signature, address, nonce: challenge.nonce, now });
    if (!valid) throw new DomainError('unprocessable', VERIFY_FAILED);
    let block: bigint;
    try {
      block = await this.siwe.currentBlock(challenge.chainId);
    } catch {
      throw new DomainError('service_unavailable', 'The network could not be reached to record the link. Please try again in a moment.');
    }
    return this.link(ctx, challenge.chainId, address, block, now);
  }

  async unlink(ctx: PortalContext, walletId: string): Promise<void> {
    await this.requireLinking(ctx);
    await this.db.transaction(async () => {
      const wallet = await this.wallets.activeForCustomerForUpdate(ctx.tenant, ctx.customerId, walletId);
      if (!wallet) throw new NotFoundError('wallet', walletId);
      const now = this.clock.now();
      await this.wallets.markUnlinked(ctx.tenant, wallet.id, now);
      const before = walletView(wallet);
      const after = walletView({ ...wallet, unlinkedAt: now });
      await this.changes.record(ctx.tenant, actorOf(ctx), {
        action: 'wallet.unlink',
        eventType: 'customer.wallet_unlinked',
        targetType: 'payer_wallet',
        targetId: wallet.id,
        customerId: ctx.customerId,
        object: after,
        before: { unlinkedAt: before.unlinkedAt },
        after: { unlinkedAt: after.unlinkedAt },
      });
    });
  }

  private async link(ctx: PortalContext, chainId: number, address: string, block: bigint, now: Date): Promise<LinkOutcome> {
    try {
      return await this.db.transaction(async () => {
        const existing = await this.wallets.activeByAddressForUpdate(ctx.tenant.merchantId, address);
        if (existing) {
          if (existing.customerId === ctx.customerId && existing.livemode === ctx.tenant.livemode) return 'already-linked';
          throw new DomainError('conflict', 'This wallet is already linked to another billing account with this merchant.');
        }
        const wallet = await this.wallets.insertWallet(
          Object.assign(new PayerWalletEntity(), {
            id: `wal_${randomBase62(22)}`,
            merchantId: ctx.tenant.merchantId,
            livemode: ctx.tenant.livemode,
            customerId: ctx.customerId,
            address,
            chainId,
            verifiedAt: now,
            verifiedBlock: block,
            unlinkedAt: null,
          }),
        );
        const view = walletView(wallet);
        await this.changes.record(ctx.tenant, actorOf(ctx), {
          action: 'wallet.link',
          eventType: 'customer.wallet_linked',
          targetType: 'payer_wallet',
          targetId: wallet.id,
          customerId: ctx.customerId,
          object: view,
          after: view,
        });
        return 'linked' as const;
      });
    } catch (err) {
      // A concurrent link of the same address won the partial unique index.
      if (isUniqueViolation(err)) throw new DomainError('conflict', 'This wallet is already linked to a billing account with this merchant.');
      throw err;
    }
  }

  private async requireLinking(ctx: PortalContext): Promise<MerchantEntity> {
    const merchant = await this.merchants.getById(ctx.tenant.merchantId);
    if (!merchant) throw new NotFoundError('merchant');
    if (!this.linkAllowed(ctx, merchant)) throw new DomainError('forbidden', 'Linking wallets is not available for this account.');
    return merchant;
  }

  private linkAllowed(ctx: PortalContext, merchant: MerchantEntity): boolean {
    return merchant.portalSettings.walletLink === true && ctx.session.scopes.includes('wallets');
  }

  private chainName(chainId: number): string {
    return this.config.chain(chainId)?.name ?? `Chain ${chainId}`;
  }
}

const NOTICES: Record<string, string> = {
  linked: 'Wallet linked. Payments from it will be matched to your invoices.',
  'already-linked': 'That wallet was already linked to your account.',
  unlinked: 'Wallet unlinked. New payments from it will no longer be matched automatically.',
};

function actorOf(ctx: PortalContext): Actor {
  return { type: 'portal_session', id: ctx.session.idHash.slice(0, 16), initiator: 'customer_portal' };
}

function walletView(w: PayerWalletEntity) {
  return {
    id: w.id,
    object: 'wallet',
    customerId: w.customerId,
    address: w.address,
    chainId: w.chainId,
    verifiedAt: w.verifiedAt.toISOString(),
    verifiedBlock: w.verifiedBlock.toString(),
    unlinkedAt: w.unlinkedAt ? w.unlinkedAt.toISOString() : null,
    livemode: w.livemode,
  };
}
