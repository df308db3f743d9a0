import { Injectable } from '@nestjs/common';
import { getAddress, isAddress, isHex, type Address, type Hex, type PublicClient } from 'viem';
import { createSiweMessage, generateSiweNonce, parseSiweMessage } from 'viem/siwe';
import { ChainClients } from '../chain/chain.clients';
import { AppConfig } from '../config/app-config';

export const CHALLENGE_TTL_MS = 10 * 60 * 1000;
// A SIWE message we author is a few hundred bytes; anything far larger is not ours.
export const MAX_MESSAGE_LENGTH = 2_000;
// Abandon the RPC leg of a contract-wallet check after this long (and reject).
const VERIFY_TIMEOUT_MS = 8_000;

// Every expectation viem can check. Its own parameters are all optional and it silently skips an
// omitted one (its "default" case passes with no expectations), so this wrapper makes each of them
// required in the type: a call that forgets the domain or the nonce does not compile (E10).
export interface SiweExpectations {
  message: string;
  signature: Hex;
  address: Address;
  domain: string;
  nonce: string;
  scheme: string;
  time: Date;
}

type SiweVerifierClient = Pick<PublicClient, 'verifySiweMessage'>;

// true only when viem's checks all pass and the signature is valid for the address (ECDSA, or
// ERC-1271/6492 through the RPC). Any error, an RPC failure or timeout included, is a rejection.
export async function verifySiwe(client: SiweVerifierClient, expected: SiweExpectations, timeoutMs = VERIFY_TIMEOUT_MS): Promise<boolean> {
  const { message, signature, address, domain, nonce, scheme, time } = expected;
  if (!message || !domain || !nonce || !scheme || !address || !(time instanceof Date) || Number.isNaN(time.getTime())) return false;
  return failClosed(() => client.verifySiweMessage({ message, signature, address, domain, nonce, scheme, time }), timeoutMs);
}

// A signature check that may go to the chain (ERC-1271/6492): true only when it answers true in
// time; an error, an RPC failure or the timeout is a rejection.
export async function failClosed(check: () => Promise<boolean>, timeoutMs = VERIFY_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return (await Promise.race([check(), timeout])) === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

// Signatures as pasted or returned by wallets: 0x + 65 bytes (r, s, v), or longer for contract
// wallets (ERC-6492 wrappers, multisig blobs). The verifier decides validity; this refuses shapes
// that are never right. v is left as sent: viem reads v = 0/1 and 27/28 alike for recovery, so both
// spellings of one signature verify (and other v values are a contract wallet's business). A plain
// ECDSA signature with a high s is refused (EIP-2): it is the malleable twin of a low-s one.
export function parseSignature(input: string): Hex | null {
  const s = input.trim();
  if (s.length > 20_000 || !isHex(s, { strict: true }) || s.length < 132 || s.length % 2 !== 0) return null;
  const hex = s.toLowerCase() as Hex;
  if (hex.length === 132 && [0, 1, 27, 28].includes(parseInt(hex.slice(130), 16)) && BigInt(`0x${hex.slice(66, 130)}`) > SECP256K1_HALF_N) return null;
  return hex;
}

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

export interface ChallengeParams {
  merchantName: string;
  address: Address;
  chainId: number;
  now: Date;
}

export interface AuthoredMessage {
  message: string;
  nonce: string;
  expiresAt: Date;
}

// Builds and checks EIP-4361 messages for the portal origin (PUBLIC_BASE_URL).
@Injectable()
export class SiweService {
  readonly domain: string;
  readonly scheme: string;
  readonly uri: string;

  constructor(
    private readonly config: AppConfig,
    private readonly clients: ChainClients,
  ) {
    const base = new URL(config.env.PUBLIC_BASE_URL);
    this.domain = base.host;
    // https everywhere but a plain-http development base URL (the env schema refuses it in production).
    this.scheme = base.protocol.replace(':', '');
    this.uri = `${base.origin}/portal/wallets`;
  }

  // The chains a wallet can be linked on: the configured chains of the session's mode.
  allowedChains(livemode: boolean): Array<{ chainId: number; name: string }> {
    return this.config.env.CHAINS.filter((c) => c.testnet === !livemode).map((c) => ({ chainId: c.chainId, name: c.name }));
  }

  isAllowedChain(livemode: boolean, chainId: number): boolean {
    return this.allowedChains(livemode).some((c) => c.chainId === chainId);
  }

  author(params: ChallengeParams): AuthoredMessage {
    const nonce = generateSiweNonce();
    const expiresAt = new Date(params.now.getTime() + CHALLENGE_TTL_MS);
    const message = createSiweMessage({
      domain: this.domain,
      scheme: this.scheme,
      uri: this.uri,
      address: params.address,
      chainId: params.chainId,
      version: '1',
      nonce,
      issuedAt: params.now,
      expirationTime: expiresAt,
      statement: `Link this wallet to your billing profile with ${oneLine(params.merchantName)}. Payments from it will be matched to your invoices.`,
    });
    return { message, nonce, expiresAt };
  }

  // The message must already equal the stored one byte for byte; this re-checks every field of the
  // parsed text anyway (defence in depth), including the two viem never checks: chain id and URI.
  async verify(input: { livemode: boolean; message: string; signature: Hex; address: Address; nonce: string; now: Date }): Promise<boolean> {
    let parsed: ReturnType<typeof parseSiweMessage>;
    try {
      parsed = parseSiweMessage(input.message);
    } catch {
      return false;
    }
    if (parsed.chainId === undefined || !this.isAllowedChain(input.livemode, parsed.chainId)) return false;
    if (parsed.uri !== this.uri || parsed.version !== '1') return false;
    if (!parsed.issuedAt || Number.isNaN(parsed.issuedAt.getTime()) || input.now.getTime() - parsed.issuedAt.getTime() > CHALLENGE_TTL_MS) return false;
    if (!parsed.expirationTime) return false;
    return verifySiwe(this.clients.get(parsed.chainId), {
      message: input.message,
      signature: input.signature,
      address: input.address,
      domain: this.domain,
      nonce: input.nonce,
      scheme: this.scheme,
      time: input.now,
    });
  }

  // Where the binding starts: transfers from this block on match the wallet's customer.
  currentBlock(chainId: number): Promise<bigint> {
    return this.clients.get(chainId).getBlockNumber();
  }
}

export function checksum(address: string): Address | null {
  // All-lowercase hex or a correct EIP-55 checksum; a mixed-case address with a wrong checksum is
  // a typo (getAddress alone would silently re-checksum it).
  if (!isAddress(address, { strict: true })) return null;
  return getAddress(address);
}

// The merchant name goes into a line-oriented message: no line breaks.
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();
}
