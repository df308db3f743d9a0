import { Injectable } from '@nestjs/common';
import type { Address } from 'viem';
import { ChainClients } from '../chain/chain.clients';
import { Clock } from '../common/clock';
import { DomainError, NotFoundError } from '../common/errors';
import { randomBase62 } from '../common/ids';
import { AppConfig } from '../config/app-config';
import { RateLimiter, type RateLimit } from '../infra/rate-limiter';
import { failClosed, parseSignature } from '../wallets/siwe.service';
import { MerchantRepository } from './merchant.repository';
import { ReceivingAddressRepository, type AddressClaim } from './receiving-address.repository';

// Long enough to find the wallet and sign; short enough that a leaked message soon means nothing.
export const ADDRESS_CHALLENGE_TTL_MS = 10 * 60 * 1000;
// Per merchant: plenty for a person at a dashboard, too few to fill the table.
export const ADDRESS_CHALLENGE_LIMIT: RateLimit = { name: 'address_challenge', limit: 30, windowSeconds: 600 };

export interface AddressChallengeView {
  id: string;
  object: 'receiving_address_challenge';
  chainId: number;
  address: string;
  message: string;
  expiresAt: string;
}

export interface AddressProofInput {
  challengeId: string;
  signature: string;
}

// A proof that passed: the address it proves, and the evidence kept in the registry.
export interface VerifiedProof {
  address: string;
  message: string;
  signature: string;
  verifiedAt: Date;
}

const PROOF_INVALID =
  'The proof of control was not accepted: the challenge is unknown, already used or expired, was issued for another chain or address, or the signature is not from that address. Request a new challenge and sign it with that wallet.';

// Who may receive a merchant's payments. On a live chain (testnet: false) a new receiving address
// needs a signature by that address over a message we issued (EIP-191 personal_sign; contract
// wallets answer through ERC-1271 on the chain's RPC, which viem's verifyMessage asks). Test chains
// take an address without proof so the devnet demo stays one command.
@Injectable()
export class ReceivingAddressService {
  constructor(
    private readonly registry: ReceivingAddressRepository,
    private readonly merchants: MerchantRepository,
    private readonly clients: ChainClients,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  needsProof(chainId: number): boolean {
    return this.config.chain(chainId)?.testnet === false;
  }

  async createChallenge(merchantId: string, input: { chainId: number; address: string }): Promise<AddressChallengeView> {
    const merchant = await this.merchants.getById(merchantId);
    if (!merchant) throw new NotFoundError('merchant', merchantId);
    const chain = this.config.chain(input.chainId);
    if (!chain) throw new DomainError('validation_failed', `chain ${input.chainId} is not configured`, [{ path: 'chainId', message: 'unknown chain' }]);
    await this.assertFree(merchantId, input.chainId, input.address);
    await this.limiter.hit(ADDRESS_CHALLENGE_LIMIT, merchantId);
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + ADDRESS_CHALLENGE_TTL_MS);
    const message = [
      'Billfold: prove control of a receiving address',
      '',
      `Sign this message to receive the payments of ${oneLine(merchant.name)} at this address on ${oneLine(chain.name)}. Signing is free and sends no transaction.`,
      '',
      `Address: ${input.address}`,
      `Chain ID: ${chain.chainId}`,
      `Merchant: ${merchant.id}`,
      `Site: ${new URL(this.config.env.PUBLIC_BASE_URL).host}`,
      `Nonce: ${randomBase62(22)}`,
      `Issued At: ${now.toISOString()}`,
      `Expiration Time: ${expiresAt.toISOString()}`,
    ].join('\n');
    const id = `rac_${randomBase62(22)}`;
    await this.registry.insertChallenge({ id, merchantId, chainId: chain.chainId, address: input.address, message, expiresAt }, now);
    return { id, object: 'receiving_address_challenge', chainId: chain.chainId, address: input.address, message, expiresAt: expiresAt.toISOString() };
  }

  async assertFree(merchantId: string, chainId: number, address: string): Promise<void> {
    if (await this.registry.heldByAnother(merchantId, chainId, address)) throw addressInUse(chainId);
  }

  // Spends each challenge (committed before any check, so a challenge answers once whatever the
  // outcome) and checks it against the address asked for on its chain.
  async verifyProofs(merchantId: string, wanted: ReadonlyMap<number, string>, proofs: Record<string, AddressProofInput>): Promise<Map<number, VerifiedProof>> {
    const verified = new Map<number, VerifiedProof>();
    for (const [key, proof] of Object.entries(proofs)) {
      const chainId = Number(key);
      const address = wanted.get(chainId);
      const challenge = await this.registry.takeChallenge(merchantId, proof.challengeId);
      const now = this.clock.now();
      const signature = parseSignature(proof.signature);
      const valid =
        address !== undefined &&
        challenge !== null &&
        now < challenge.expiresAt &&
        challenge.chainId === chainId &&
        challenge.address.toLowerCase() === address.toLowerCase() &&
        signature !== null &&
        (await failClosed(() => this.clients.get(chainId).verifyMessage({ address: challenge.address as Address, message: challenge.message, signature })));
      if (!valid) throw new DomainError('address_proof_invalid', PROOF_INVALID, [{ path: `addressProofs.${key}`, message: 'proof not accepted' }]);
      verified.set(chainId, { address: challenge.address, message: challenge.message, signature, verifiedAt: now });
    }
    return verified;
  }

  requireProof(chainId: number, address: string, proof: VerifiedProof | undefined): void {
    if (!this.needsProof(chainId) || (proof && proof.address.toLowerCase() === address.toLowerCase())) return;
    throw new DomainError(
      'address_proof_required',
      `Chain ${chainId} is a live chain: a new receiving address needs proof that you control it. Request a challenge (POST /api/v1/merchant/receiving-addresses/challenges), sign its message with that wallet and send it in addressProofs.`,
      [{ path: `receivingAddresses.${chainId}`, message: 'needs proof of control' }],
    );
  }

  // Moves the merchant's registry entry on a chain to the new address, inside the caller's
  // transaction; another merchant's address aborts it with address_in_use.
  async move(merchantId: string, chainId: number, address: string | null, proof: VerifiedProof | undefined): Promise<void> {
    await this.registry.release(merchantId, chainId);
    if (address === null) return;
    if (!(await this.registry.claim(merchantId, claimOf(chainId, address, proof)))) throw addressInUse(chainId);
  }

  // A proof sent for the address the merchant already holds upgrades its registry entry.
  async reprove(merchantId: string, chainId: number, address: string, proof: VerifiedProof): Promise<void> {
    await this.registry.attachProof(merchantId, claimOf(chainId, address, proof));
  }

  ownedBy(merchantId: string) {
    return this.registry.ownedBy(merchantId);
  }
}

function claimOf(chainId: number, address: string, proof: VerifiedProof | undefined): AddressClaim {
  if (proof) return { chainId, address, proof: 'signature', proofMessage: proof.message, proofSignature: proof.signature, verifiedAt: proof.verifiedAt };
  return { chainId, address, proof: 'testnet', proofMessage: null, proofSignature: null, verifiedAt: null };
}

function addressInUse(chainId: number): DomainError {
  return new DomainError('address_in_use', `This receiving address is already used by another merchant on chain ${chainId}. Use an address only you receive at.`, [
    { path: `receivingAddresses.${chainId}`, message: 'used by another merchant' },
  ]);
}

// Names go into a line-oriented message: no line breaks.
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();
}
