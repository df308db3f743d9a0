import { createPublicClient, custom, encodeAbiParameters, type Address, type Hex, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage, parseSiweMessage } from 'viem/siwe';
import type { ChainClients } from '../chain/chain.clients';
import type { AppConfig } from '../config/app-config';
import { checksum, parseSignature, SiweService, verifySiwe, type SiweExpectations } from './siwe.service';

// Anvil's well-known development keys (accounts #0 and #1).
const KEY_A = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const KEY_B = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const alice = privateKeyToAccount(KEY_A);
const bob = privateKeyToAccount(KEY_B);
const NOW = new Date('2026-03-01T12:00:00.000Z');
const MIN = 60_000;

type Rpc = (method: string, params: unknown) => Promise<unknown>;

// A viem public client over a scripted transport: no network. The default answers eth_call with
// "not valid", so only a correct ECDSA signature (viem's fallback) passes for an EOA.
function mockClient(rpc: Rpc = async (method) => (method === 'eth_call' ? encodeAbiParameters([{ type: 'bool' }], [false]) : '0x7a69')): PublicClient {
  return createPublicClient({ transport: custom({ request: ({ method, params }) => rpc(method, params) }, { retryCount: 0 }) }) as PublicClient;
}

function service(client: PublicClient = mockClient()): SiweService {
  const config = {
    env: {
      PUBLIC_BASE_URL: 'https://billing.test',
      CHAINS: [
        { chainId: 31337, name: 'Anvil devnet', testnet: true },
        { chainId: 1, name: 'Ethereum', testnet: false },
      ],
    },
  } as unknown as AppConfig;
  return new SiweService(config, { get: () => client } as unknown as ChainClients);
}

const NONCE = 'a1B2c3D4e5F6g7H8';

function message(overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {}): string {
  return createSiweMessage({
    domain: 'billing.test',
    scheme: 'https',
    uri: 'https://billing.test/portal/wallets',
    address: alice.address,
    chainId: 31337,
    version: '1',
    nonce: NONCE,
    issuedAt: NOW,
    expirationTime: new Date(NOW.getTime() + 10 * MIN),
    statement: 'Link this wallet to your billing profile with Acme.',
    ...overrides,
  });
}

async function verifyWith(s: SiweService, text: string, options: { signer?: typeof alice; address?: Address; now?: Date; livemode?: boolean } = {}) {
  const signature = await (options.signer ?? alice).signMessage({ message: text });
  return s.verify({ livemode: options.livemode ?? false, message: text, signature, address: options.address ?? alice.address, nonce: NONCE, now: options.now ?? NOW });
}

describe('SiweService.author', () => {
  it('writes the portal domain, URI, https scheme, chain, nonce and a 10-minute lifetime', () => {
    const s = service();
    const authored = s.author({ merchantName: 'Acme\nEvil: yes', address: alice.address, chainId: 31337, now: NOW });
    const parsed = parseSiweMessage(authored.message);
    expect(parsed).toMatchObject({ domain: 'billing.test', scheme: 'https', uri: 'https://billing.test/portal/wallets', chainId: 31337, version: '1', nonce: authored.nonce, address: alice.address });
    expect(parsed.issuedAt?.toISOString()).toBe(NOW.toISOString());
    expect(authored.expiresAt.getTime() - NOW.getTime()).toBe(10 * MIN);
    expect(parsed.expirationTime?.toISOString()).toBe(authored.expiresAt.toISOString());
    // The merchant's name cannot add lines to the message.
    expect(parsed.statement).toBe('Link this wallet to your billing profile with Acme Evil: yes. Payments from it will be matched to your invoices.');
    expect(authored.nonce).toMatch(/^[a-zA-Z0-9]{17,}$/);
    expect(s.author({ merchantName: 'Acme', address: alice.address, chainId: 31337, now: NOW }).nonce).not.toBe(authored.nonce);
  });

  it('allows the chains of the session mode only', () => {
    const s = service();
    expect(s.allowedChains(false).map((c) => c.chainId)).toEqual([31337]);
    expect(s.allowedChains(true).map((c) => c.chainId)).toEqual([1]);
  });
});

describe('SiweService.verify (every field on the verifier path, E4)', () => {
  it('accepts the authored message signed by its address', async () => {
    expect(await verifyWith(service(), message())).toBe(true);
  });

  it.each<[string, Partial<Parameters<typeof createSiweMessage>[0]>]>([
    ['another domain', { domain: 'evil.com' }],
    ['scheme http', { scheme: 'http' }],
    ['another uri path', { uri: 'https://billing.test/other' }],
    ['another uri origin', { uri: 'https://evil.com/portal/wallets' }],
    ['a chain outside the allowlist', { chainId: 1 }],
    ['a past expirationTime', { expirationTime: new Date(NOW.getTime() - 1) }],
    ['a future notBefore', { notBefore: new Date(NOW.getTime() + MIN) }],
    ['an issuedAt over 10 minutes old', { issuedAt: new Date(NOW.getTime() - 11 * MIN), expirationTime: new Date(NOW.getTime() + MIN) }],
    ['no expirationTime', { expirationTime: undefined }],
    ['another nonce', { nonce: 'zzzzzzzzzzzzzzzz' }],
    ['a different address', { address: bob.address }],
  ])('rejects %s', async (_name, overrides) => {
    expect(await verifyWith(service(), message(overrides))).toBe(false);
  });

  it('rejects a different address even when that address signed (claimed address must match)', async () => {
    expect(await verifyWith(service(), message({ address: bob.address }), { signer: bob })).toBe(false);
  });

  it('rejects a signature by another key on a message claiming the address (E6)', async () => {
    expect(await verifyWith(service(), message(), { signer: bob })).toBe(false);
  });

  it('rejects a test chain for a live session', async () => {
    expect(await verifyWith(service(), message(), { livemode: true })).toBe(false);
  });

  it('rejects once the expiry passes', async () => {
    expect(await verifyWith(service(), message(), { now: new Date(NOW.getTime() + 10 * MIN) })).toBe(false);
  });

  it('rejects unparseable text', async () => {
    expect(await verifyWith(service(), 'hello')).toBe(false);
    expect(await verifyWith(service(), '')).toBe(false);
  });
});

describe('malformed signatures (E7)', () => {
  it('parseSignature accepts only even-length hex of at least 65 bytes', () => {
    expect(parseSignature('0x' + 'ab'.repeat(65))).toBe('0x' + 'ab'.repeat(65));
    expect(parseSignature('0x' + 'AB'.repeat(65))).toBe('0x' + 'ab'.repeat(65));
    expect(parseSignature('0x' + 'ab'.repeat(64))).toBeNull(); // 64-byte (EIP-2098 compact) is refused
    expect(parseSignature('0x' + 'a'.repeat(131))).toBeNull(); // odd length
    expect(parseSignature('0x' + 'zz'.repeat(65))).toBeNull();
    expect(parseSignature('ab'.repeat(65))).toBeNull();
    expect(parseSignature('')).toBeNull();
  });

  it('rejects zeros, high s and a wrong v, and accepts v as 0/1 or 27/28 alike', async () => {
    const s = service();
    const text = message();
    const good = await alice.signMessage({ message: text });
    const r = good.slice(2, 66);
    const sHex = good.slice(66, 130);
    const v = parseInt(good.slice(130), 16);
    const run = (signature: string) => {
      const parsed = parseSignature(signature);
      return parsed ? s.verify({ livemode: false, message: text, signature: parsed, address: alice.address, nonce: NONCE, now: NOW }) : Promise.resolve(false);
    };
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const highS = (n - BigInt('0x' + sHex)).toString(16).padStart(64, '0');
    const flip = (x: number) => (x === 27 ? 28 : 27);
    expect(await run('0x' + '00'.repeat(65))).toBe(false);
    expect(await run(`0x${r}${highS}${flip(v).toString(16)}`)).toBe(false);
    expect(await run(`0x${r}${sHex}${flip(v).toString(16)}`)).toBe(false);
    expect(await run(`0x${r}${sHex}ff`)).toBe(false);
    // viem normalises v: 0/1 and 27/28 are the same signature.
    expect(await run(`0x${r}${sHex}${(v - 27).toString(16).padStart(2, '0')}`)).toBe(true);
    expect(await run(good)).toBe(true);
  });
});

describe('contract wallets through the RPC (E9, mocked client)', () => {
  const contract = checksum('0x000000000000000000000000000000000000c0de')!;
  const text = message({ address: contract });
  const sig = ('0x' + '11'.repeat(65)) as Hex;
  const run = (client: PublicClient, timeoutMs?: number) =>
    verifySiwe(client, { message: text, signature: sig, address: contract, domain: 'billing.test', nonce: NONCE, scheme: 'https', time: NOW }, timeoutMs);
  const bool = (value: boolean) => encodeAbiParameters([{ type: 'bool' }], [value]);

  it('accepts when the validator reports the ERC-1271 magic value (isValidSig true)', async () => {
    expect(await run(mockClient(async (m) => (m === 'eth_call' ? bool(true) : '0x7a69')))).toBe(true);
  });

  it('rejects when the wallet says no (0xffffffff → isValidSig false)', async () => {
    expect(await run(mockClient(async (m) => (m === 'eth_call' ? bool(false) : '0x7a69')))).toBe(false);
  });

  it('rejects when the call reverts', async () => {
    const reverting = mockClient(async (m) => {
      if (m === 'eth_call') throw Object.assign(new Error('execution reverted'), { code: 3, data: '0x' });
      return '0x7a69';
    });
    expect(await run(reverting)).toBe(false);
  });

  it('rejects when the RPC is down', async () => {
    expect(await run(mockClient(async () => Promise.reject(new Error('ECONNREFUSED'))))).toBe(false);
  });

  it('rejects when the RPC hangs (timeout, fail closed)', async () => {
    const started = Date.now();
    expect(await run(mockClient(() => new Promise(() => undefined)), 50)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('verifySiwe always passes every expectation (E10)', () => {
  it('forwards address, domain, nonce, scheme and time to viem', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const client = { verifySiweMessage: async (args: Record<string, unknown>) => (seen.push(args), true) } as unknown as PublicClient;
    const expected: SiweExpectations = { message: message(), signature: '0x00', address: alice.address, domain: 'billing.test', nonce: NONCE, scheme: 'https', time: NOW };
    expect(await verifySiwe(client, expected)).toBe(true);
    expect(seen).toEqual([{ message: expected.message, signature: '0x00', address: alice.address, domain: 'billing.test', nonce: NONCE, scheme: 'https', time: NOW }]);
  });

  it('refuses to run with an empty expectation, and the types refuse a missing one', async () => {
    const calls: unknown[] = [];
    const client = { verifySiweMessage: async (args: unknown) => (calls.push(args), true) } as unknown as PublicClient;
    const base: SiweExpectations = { message: message(), signature: '0x00', address: alice.address, domain: 'billing.test', nonce: NONCE, scheme: 'https', time: NOW };
    for (const key of ['domain', 'nonce', 'scheme', 'address', 'message'] as const) {
      expect(await verifySiwe(client, { ...base, [key]: '' })).toBe(false);
    }
    expect(await verifySiwe(client, { ...base, time: new Date(NaN) })).toBe(false);
    expect(calls).toHaveLength(0);

    const { domain: _d, ...withoutDomain } = base;
    const { nonce: _n, ...withoutNonce } = base;
    // @ts-expect-error domain is required
    expect(await verifySiwe(client, withoutDomain)).toBe(false);
    // @ts-expect-error nonce is required
    expect(await verifySiwe(client, withoutNonce)).toBe(false);
  });
});

describe('checksum (E8)', () => {
  it('normalises lowercase to EIP-55 and refuses a wrong mixed-case checksum', () => {
    expect(checksum(alice.address.toLowerCase())).toBe(alice.address);
    expect(checksum(alice.address)).toBe(alice.address);
    const i = alice.address.slice(2).search(/[a-fA-F]/) + 2;
    const c = alice.address[i];
    const broken = alice.address.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + alice.address.slice(i + 1);
    expect(checksum(broken)).toBeNull();
  });
});
