import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { describeError, UsageError } from './cli-errors';

// `billfold devnet pay|mine`: drive the local anvil devnet by hand (the demo prints the pay
// command). viem and the devnet helpers load only when a command runs.
const DEFAULT_API_URL = 'http://127.0.0.1:3000';
const DEFAULT_RPC_URL = 'http://127.0.0.1:8545';
// Written by `npm run demo`: the demo merchant's test key, so `devnet pay` works with no flags.
const DEMO_STATE_FILE = path.resolve(__dirname, '..', '..', '.demo', 'state.json');

interface Output {
  out: (line: string) => void;
}

export interface PayOptions {
  invoice: string;
  apiKey?: string;
  apiUrl: string;
  rpc: string;
  from: number;
  wait: boolean;
}

export function registerDevnetCommand(program: Command, io: Output = { out: (line) => void process.stdout.write(`${line}\n`) }): void {
  const devnet = program.command('devnet').description('local devnet (anvil) helpers: set up, pay an invoice, mine blocks');

  devnet
    .command('setup')
    .description('deploy the test USDC on a fresh anvil (first transaction of dev account #0) and fund a dev account')
    .option('--rpc <url>', 'devnet JSON-RPC URL', parseUrl, DEFAULT_RPC_URL)
    .option('--fund <index>', 'dev account to fund', parseIndex, 1)
    .option('--usdc <amount>', 'USDC to mint to it', parseUsdc, '1000')
    .action((options: { rpc: string; fund: number; usdc: string }) =>
      run(async () => {
        const { parseUnits } = await import('viem');
        const devnet = await import('../devnet/devnet');
        const token = await devnet.deployTestToken(options.rpc);
        const account = await devnet.devAccount(options.rpc, options.fund);
        await devnet.fundAccount(options.rpc, token, account, parseUnits(options.usdc, 6));
        io.out(`Test USDC at ${token}; minted ${options.usdc} USDC to dev account #${options.fund} (${account})`);
      }),
    );

  devnet
    .command('pay')
    .description("pay an invoice's remaining amount from an anvil dev account (fetches the invoice through the merchant API)")
    .requiredOption('--invoice <id>', 'invoice id (inv_...)', parseInvoiceId)
    .addOption(
      new Option('--api-key <key>', 'merchant API key with invoices:read (default: the demo key in .demo/state.json)').env('BILLFOLD_API_KEY'),
    )
    .addOption(new Option('--api-url <url>', 'Billfold base URL').default(DEFAULT_API_URL).env('BILLFOLD_API_URL').argParser(parseUrl))
    .option('--rpc <url>', 'devnet JSON-RPC URL', parseUrl, DEFAULT_RPC_URL)
    .option('--from <index>', 'index of the anvil dev account that pays (#1 is the demo customer wallet)', parseIndex, 1)
    .option('--no-wait', 'return once the transaction is sent, without waiting for its block')
    .action((options: PayOptions) => run(() => payCommand(options, io)));

  devnet
    .command('mine')
    .description('mine blocks now (confirmations advance without waiting for the block time)')
    .option('--blocks <n>', 'how many blocks', parseCount, 1)
    .option('--rpc <url>', 'devnet JSON-RPC URL', parseUrl, DEFAULT_RPC_URL)
    .action((options: { blocks: number; rpc: string }) =>
      run(async () => {
        const { mineBlocks } = await import('../devnet/devnet');
        const head = await mineBlocks(options.rpc, options.blocks);
        io.out(`Mined ${options.blocks} block${options.blocks === 1 ? '' : 's'}; head is now #${head}`);
      }),
    );
}

export async function payCommand(options: PayOptions, io: Output): Promise<string> {
  const apiKey = options.apiKey ?? demoApiKey();
  const invoice = await fetchInvoice(options.apiUrl, apiKey, options.invoice);
  const devnet = await import('../devnet/devnet');
  await devnet.assertDevnet(options.rpc);
  const plan = devnet.paymentFor(invoice, await devnet.devAccount(options.rpc, options.from));
  const asset = await devnet.assetInfo(options.rpc, plan.token);
  const hash = await devnet.payInvoice(options.rpc, invoice, options.from);
  const { formatUnits } = await import('viem');
  io.out(`Sent ${formatUnits(plan.amount, asset.decimals)} ${asset.symbol} for ${invoice.id} from dev account #${options.from} (${plan.from}) to ${plan.to}`);
  io.out(`  tx ${hash}`);
  if (options.wait) {
    const receipt = await devnet.waitForReceipt(options.rpc, hash);
    if (receipt.status !== 'success') throw new Error(`the payment reverted in block #${receipt.blockNumber} (tx ${hash})`);
    io.out(`  mined in block #${receipt.blockNumber} (${receipt.blockHash})`);
  }
  io.out(`The worker credits it once the chain reaches the configured confirmations; follow it with`);
  io.out(`  curl -s ${options.apiUrl}/api/v1/invoices/${invoice.id} -H "Authorization: Bearer $BILLFOLD_API_KEY"`);
  return hash;
}

interface InvoiceView {
  id: string;
  status: string;
  chainId: number;
  token: string;
  payTo: string;
  amountDue: string;
  amountRemaining: string;
}

async function fetchInvoice(apiUrl: string, apiKey: string, id: string): Promise<InvoiceView> {
  const url = `${apiUrl.replace(/\/+$/, '')}/api/v1/invoices/${encodeURIComponent(id)}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' } });
  } catch (err) {
    throw new Error(`the Billfold API does not answer at ${apiUrl} (is \`npm run demo\` running? otherwise pass --api-url): ${causeOf(err)}`, {
      cause: err,
    });
  }
  const text = await response.text();
  if (response.status === 401) throw new UsageError('the API key was rejected: pass --api-key (or BILLFOLD_API_KEY) for the merchant that owns the invoice');
  if (response.status === 403) throw new UsageError('the API key lacks the invoices:read scope');
  if (response.status === 404) throw new UsageError(`invoice ${id} not found for this API key's merchant and mode`);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as InvoiceView;
}

function demoApiKey(): string {
  try {
    const state = JSON.parse(readFileSync(DEMO_STATE_FILE, 'utf8')) as { apiKey?: unknown };
    if (typeof state.apiKey === 'string' && state.apiKey) return state.apiKey;
  } catch {
    // No demo state: fall through to the usage error.
  }
  throw new UsageError('no API key: pass --api-key sk_test_... (or set BILLFOLD_API_KEY), or run `npm run demo` first');
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

async function run(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (err) {
    process.stderr.write(`${describeError(err)}\n`);
    process.exitCode = 1;
  }
}

function parseInvoiceId(raw: string): string {
  if (!/^inv_[0-9A-Za-z]{1,64}$/.test(raw)) throw new InvalidArgumentError('expected an invoice id like inv_...');
  return raw;
}

function parseUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('expected an http(s) URL');
}

function parseIndex(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new InvalidArgumentError('expected a dev account index (0-255)');
  return n;
}

function parseUsdc(raw: string): string {
  if (!/^\d{1,12}(\.\d{1,6})?$/.test(raw)) throw new InvalidArgumentError('expected a USDC amount like 1000 or 12.5');
  return raw;
}

function parseCount(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('expected a block count (1-100000)');
  return n;
}
