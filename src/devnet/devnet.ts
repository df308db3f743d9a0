import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  formatUnits,
  getAddress,
  http,
  isAddress,
  parseAbi,
  type Abi,
  type Address,
  type Hash,
  type Hex,
} from 'viem';
import { DEVNET_TOKEN_ADDRESS } from '../config/chains';
import { ANVIL_CHAIN_ID } from './anvil-process';

// Devnet chores for the demo, the `billfold devnet` CLI and the tests: deploy the test USDC, fund a
// dev account, pay an invoice. Every transaction is sent from one of anvil's unlocked dev accounts
// through eth_sendTransaction, so no private key is handled here.

export class DevnetError extends Error {}

export interface ContractArtifact {
  contractName: string;
  abi: Abi;
  bytecode: Hex;
}

// Same path from src/devnet and dist/devnet: the committed artifacts sit in <root>/contracts.
const ARTIFACTS_DIR = path.resolve(__dirname, '..', '..', 'contracts', 'artifacts');

export function loadArtifact(name: 'TestToken' | 'Forwarder'): ContractArtifact {
  const file = path.join(ARTIFACTS_DIR, `${name}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ContractArtifact;
  } catch (err) {
    throw new DevnetError(`cannot read the ${name} artifact at ${file} (run from a source checkout): ${(err as Error).message}`, { cause: err });
  }
}

const mintAbi = parseAbi(['function mint(address to, uint256 amount)']);
export const forwarderAbi = parseAbi(['function forward(address to) payable']);

const devnetChain = (url: string) =>
  defineChain({
    id: ANVIL_CHAIN_ID,
    name: 'Anvil devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
    testnet: true,
  });

// viem polls receipts every 4 s by default; a devnet mines at most every couple of seconds.
export function devnetClients(url: string) {
  const chain = devnetChain(url);
  const transport = http(url, { retryCount: 0, timeout: 10_000 });
  return {
    publicClient: createPublicClient({ chain, transport, pollingInterval: 200, cacheTime: 0 }),
    walletClient: createWalletClient({ chain, transport, pollingInterval: 200, cacheTime: 0 }),
    testClient: createTestClient({ mode: 'anvil', chain, transport, pollingInterval: 200, cacheTime: 0 }),
  };
}

export type DevnetClients = ReturnType<typeof devnetClients>;

// anvil's unlocked accounts (eth_accounts), in order: #0 deploys, #1 is the demo's customer wallet.
export async function devAccount(url: string, index: number): Promise<Address> {
  const accounts = await devnetClients(url).walletClient.getAddresses();
  const account = accounts[index];
  if (!account) throw new DevnetError(`anvil has ${accounts.length} dev accounts; there is no #${index}`);
  return account;
}

// Fails with a readable message when nothing answers at `url` or it is not chain 31337.
export async function assertDevnet(url: string): Promise<void> {
  await expectChain(devnetClients(url), url);
}

async function expectChain(clients: DevnetClients, url: string): Promise<void> {
  const chainId = await clients.publicClient.getChainId().catch((err: Error) => {
    throw new DevnetError(`no devnet answers at ${url} (${err.message.split('\n')[0]}): is anvil running? \`npm run demo\` starts one`, { cause: err });
  });
  if (chainId !== ANVIL_CHAIN_ID) throw new DevnetError(`${url} is chain ${chainId}, not the devnet (${ANVIL_CHAIN_ID})`);
}

async function confirm(clients: DevnetClients, hash: Hash, what: string) {
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash, timeout: 30_000 });
  if (receipt.status !== 'success') throw new DevnetError(`${what} reverted (tx ${hash})`);
  return receipt;
}

// The default chain config expects the token at DEVNET_TOKEN_ADDRESS: the address of the first
// contract created by anvil's first dev account. So the token must be account #0's very first
// transaction on a fresh anvil. A devnet that already has it there (a second demo run against the
// same anvil) is accepted as is.
export async function deployTestToken(url: string): Promise<Address> {
  const clients = devnetClients(url);
  await expectChain(clients, url);
  const token = getAddress(DEVNET_TOKEN_ADDRESS);
  const code = await clients.publicClient.getCode({ address: token });
  if (code && code !== '0x') {
    const [symbol, decimals] = await Promise.all([
      clients.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'symbol' }),
      clients.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }),
    ]).catch(() => [null, null] as const);
    if (symbol === 'USDC' && decimals === 6) return token;
    throw new DevnetError(`another contract already sits at ${token}: start a fresh anvil`);
  }
  const deployer = await devAccount(url, 0);
  const nonce = await clients.publicClient.getTransactionCount({ address: deployer });
  if (nonce !== 0) {
    throw new DevnetError(
      `dev account #0 (${deployer}) has already sent ${nonce} transaction(s), so the test token would not land at ${token}: start a fresh anvil`,
    );
  }
  const artifact = loadArtifact('TestToken');
  const hash = await clients.walletClient.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, account: deployer, chain: null });
  const receipt = await confirm(clients, hash, 'deploying the test token');
  if (!receipt.contractAddress || getAddress(receipt.contractAddress) !== token) {
    throw new DevnetError(`the test token landed at ${receipt.contractAddress}, not at ${token} as the devnet chain config expects`);
  }
  return token;
}

// The forwarder (for internal-transfer scenarios) can sit anywhere; deploy it after the token.
export async function deployForwarder(url: string, fromAccountIndex = 0): Promise<Address> {
  const clients = devnetClients(url);
  const artifact = loadArtifact('Forwarder');
  const account = await devAccount(url, fromAccountIndex);
  const hash = await clients.walletClient.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, account, chain: null });
  const receipt = await confirm(clients, hash, 'deploying the forwarder');
  return getAddress(receipt.contractAddress!);
}

export interface FundOptions {
  // The account's ETH balance is raised to at least this (wei) so it can pay gas; default 10 ETH.
  minEth?: bigint;
}

// Gives `address` `amount` more of `token` (minted by dev account #0, which anyone may do on the
// test token) or, for 'native', `amount` more wei; then tops its ETH up for gas.
export async function fundAccount(url: string, token: string, address: string, amount: bigint, options: FundOptions = {}): Promise<void> {
  const clients = devnetClients(url);
  await expectChain(clients, url);
  const to = getAddress(address);
  const minEth = options.minEth ?? 10n ** 19n;
  if (token === 'native') {
    const balance = await clients.publicClient.getBalance({ address: to });
    await clients.testClient.setBalance({ address: to, value: (balance > minEth ? balance : minEth) + amount });
    return;
  }
  if (!isAddress(token)) throw new DevnetError(`token must be 'native' or a 0x address, got ${token}`);
  const minter = await devAccount(url, 0);
  const hash = await clients.walletClient.writeContract({
    address: getAddress(token),
    abi: mintAbi,
    functionName: 'mint',
    args: [to, amount],
    account: minter,
    chain: null,
  });
  await confirm(clients, hash, `minting ${amount} base units of ${token}`);
  const balance = await clients.publicClient.getBalance({ address: to });
  if (balance < minEth) await clients.testClient.setBalance({ address: to, value: minEth });
}

// The fields of the merchant API's invoice view that a payment needs.
export interface PayableInvoice {
  id?: string;
  status?: string;
  chainId: number;
  token: string;
  payTo: string;
  amountDue: string | bigint;
  amountRemaining?: string | bigint;
}

export interface PaymentPlan {
  from: Address;
  to: Address;
  token: Address | 'native';
  amount: bigint;
}

export function paymentFor(invoice: PayableInvoice, from: Address): PaymentPlan {
  const label = invoice.id ?? 'the invoice';
  if (invoice.chainId !== ANVIL_CHAIN_ID) throw new DevnetError(`${label} is payable on chain ${invoice.chainId}, not on the devnet (${ANVIL_CHAIN_ID})`);
  if (invoice.status === 'void' || invoice.status === 'paid') throw new DevnetError(`${label} is ${invoice.status}: nothing to pay`);
  // What is still due: a partially paid invoice needs only the rest.
  const amount = BigInt(invoice.amountRemaining ?? invoice.amountDue);
  if (amount <= 0n) throw new DevnetError(`${label} has nothing left to pay`);
  if (!isAddress(invoice.payTo)) throw new DevnetError(`${label} has no valid payTo address`);
  const token = invoice.token === 'native' ? 'native' : isAddress(invoice.token) ? getAddress(invoice.token) : null;
  if (!token) throw new DevnetError(`${label} has an unexpected token ${invoice.token}`);
  return { from, to: getAddress(invoice.payTo), token, amount };
}

export interface AssetInfo {
  symbol: string;
  decimals: number;
}

export async function assetInfo(url: string, token: Address | 'native'): Promise<AssetInfo> {
  if (token === 'native') return { symbol: 'ETH', decimals: 18 };
  const { publicClient } = devnetClients(url);
  const [symbol, decimals] = await Promise.all([
    publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'symbol' }),
    publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }),
  ]);
  return { symbol, decimals };
}

export async function balanceOf(url: string, token: Address | 'native', address: Address): Promise<bigint> {
  const { publicClient } = devnetClients(url);
  if (token === 'native') return publicClient.getBalance({ address });
  return publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
}

// Sends exactly the invoice's remaining amount (an ERC-20 transfer or a plain value transfer) from
// dev account #fromAccountIndex to its payTo, and returns the tx hash without waiting for a block.
export async function payInvoice(url: string, invoice: PayableInvoice, fromAccountIndex = 1): Promise<Hash> {
  const clients = devnetClients(url);
  await expectChain(clients, url);
  const from = await devAccount(url, fromAccountIndex);
  const plan = paymentFor(invoice, from);
  // Checked up front: the token's own revert (a custom error) would surface as an opaque gas-estimation failure.
  const held = await balanceOf(url, plan.token, from);
  if (held < plan.amount) {
    const asset = await assetInfo(url, plan.token);
    throw new DevnetError(
      `dev account #${fromAccountIndex} (${from}) holds ${formatUnits(held, asset.decimals)} ${asset.symbol} but ${invoice.id ?? 'the invoice'} needs ` +
        `${formatUnits(plan.amount, asset.decimals)}: fund it first`,
    );
  }
  if (plan.token === 'native') {
    return clients.walletClient.sendTransaction({ account: from, to: plan.to, value: plan.amount, chain: null });
  }
  return clients.walletClient.writeContract({
    address: plan.token,
    abi: erc20Abi,
    functionName: 'transfer',
    args: [plan.to, plan.amount],
    account: from,
    chain: null,
  });
}

export async function waitForReceipt(url: string, hash: Hash) {
  return devnetClients(url).publicClient.waitForTransactionReceipt({ hash, timeout: 30_000 });
}

export async function mineBlocks(url: string, blocks: number): Promise<bigint> {
  const clients = devnetClients(url);
  await expectChain(clients, url);
  await clients.testClient.mine({ blocks });
  return clients.publicClient.getBlockNumber();
}
