import { createPublicClient, custom, encodeAbiParameters, type PublicClient } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { ChainClients } from '../chain/chain.clients';
import type { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import type { RateLimiter } from '../infra/rate-limiter';
import type { MerchantRepository } from './merchant.repository';
import type { AddressChallenge, ReceivingAddressRepository } from './receiving-address.repository';
import { ReceivingAddressService } from './receiving-address.service';

// Proof checks against a scripted RPC (no network): a contract wallet's answer decides, and any
// RPC failure is a refusal. The end-to-end path against anvil is in test/e2e/receiving-addresses.

const NOW = new Date('2026-03-01T12:00:00.000Z');
const CONTRACT = '0x1111111111111111111111111111111111111111';
const owner = privateKeyToAccount(generatePrivateKey());

function service(rpc: (method: string) => Promise<unknown>, challenge: AddressChallenge | null) {
  const client = createPublicClient({ transport: custom({ request: ({ method }) => rpc(method) }, { retryCount: 0 }) }) as PublicClient;
  const taken: string[] = [];
  const registry = {
    takeChallenge: async (merchantId: string, id: string) => {
      taken.push(`${merchantId}/${id}`);
      return challenge;
    },
  } as unknown as ReceivingAddressRepository;
  const config = { chain: (id: number) => ({ chainId: id, name: 'Live', testnet: id !== 8453 }) } as unknown as AppConfig;
  const s = new ReceivingAddressService(
    registry,
    {} as MerchantRepository,
    { get: () => client } as unknown as ChainClients,
    {} as RateLimiter,
    config,
    { now: () => NOW } as Clock,
  );
  return { s, taken };
}

const challenge = (overrides: Partial<AddressChallenge> = {}): AddressChallenge => ({
  id: 'rac_1',
  merchantId: 'mer_1',
  chainId: 8453,
  address: CONTRACT,
  message: 'Billfold: prove control of a receiving address',
  expiresAt: new Date(NOW.getTime() + 60_000),
  ...overrides,
});

async function prove(rpc: (method: string) => Promise<unknown>, c: AddressChallenge | null = challenge()) {
  const { s, taken } = service(rpc, c);
  const signature = await owner.signMessage({ message: challenge().message });
  const result = await s.verifyProofs('mer_1', new Map([[8453, CONTRACT]]), { '8453': { challengeId: 'rac_1', signature } }).catch((err: unknown) => err);
  return { result, taken };
}

const validator = (valid: boolean) => async (method: string) => (method === 'eth_call' ? encodeAbiParameters([{ type: 'bool' }], [valid]) : '0x2105');

describe(ReceivingAddressService.name, () => {
  it('accepts a contract wallet that answers valid (ERC-1271 through the RPC)', async () => {
    const { result, taken } = await prove(validator(true));
    expect(result).toBeInstanceOf(Map);
    expect((result as Map<number, { address: string }>).get(8453)).toMatchObject({ address: CONTRACT, verifiedAt: NOW });
    expect(taken).toEqual(['mer_1/rac_1']);
  });

  it.each([
    ['answers invalid', validator(false)],
    [
      'reverts',
      async () => {
        throw Object.assign(new Error('execution reverted'), { code: 3 });
      },
    ],
    [
      'is unreachable',
      async () => {
        throw new Error('connect ECONNREFUSED');
      },
    ],
  ])('refuses when the wallet %s (fail closed)', async (_case, rpc) => {
    const { result } = await prove(rpc);
    expect(result).toBeInstanceOf(DomainError);
    expect((result as DomainError).code).toBe('address_proof_invalid');
  });

  it('spends the challenge even when it does not fit, and refuses it', async () => {
    for (const c of [null, challenge({ expiresAt: NOW }), challenge({ chainId: 1 }), challenge({ address: owner.address })]) {
      const { result, taken } = await prove(validator(true), c);
      expect((result as DomainError).code).toBe('address_proof_invalid');
      expect(taken).toEqual(['mer_1/rac_1']);
    }
  });

  it('asks for proof on live chains only', () => {
    const { s } = service(validator(true), null);
    expect(() => s.requireProof(8453, CONTRACT, undefined)).toThrow(expect.objectContaining({ code: 'address_proof_required' }));
    expect(() => s.requireProof(31337, CONTRACT, undefined)).not.toThrow();
    // A proof for the address in another letter case is a proof for it.
    expect(() => s.requireProof(8453, owner.address, { address: owner.address.toLowerCase(), message: '', signature: '', verifiedAt: NOW })).not.toThrow();
    expect(() => s.requireProof(8453, owner.address, { address: CONTRACT, message: '', signature: '', verifiedAt: NOW })).toThrow(expect.objectContaining({ code: 'address_proof_required' }));
  });
});
