// The devnet tooling (anvil process, test token, funding, paying) and the anvil behaviours the
// reconciler relies on: a reorg removes a mined transfer (its receipt is gone, the balance is back),
// a re-included payment gets a new block, finalized trails latest.
import { erc20Abi, getAddress, TransactionNotFoundError, TransactionReceiptNotFoundError, type Address } from 'viem';
import { DEFAULT_CHAINS, DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { AnvilStartError } from '../../src/devnet/anvil-process';
import {
  balanceOf,
  deployForwarder,
  deployTestToken,
  devAccount,
  forwarderAbi,
  fundAccount,
  payInvoice,
  startAnvil,
  startTestChain,
  waitForReceipt,
  type TestChain,
} from '../support/anvil';

const USDC = 10n ** 6n;

describe('devnet (anvil)', () => {
  let chain: TestChain;
  let token: Address;
  let customer: Address;
  let merchant: Address;

  beforeAll(async () => {
    chain = await startTestChain();
    token = await deployTestToken(chain.url);
    customer = await devAccount(chain.url, 1);
    merchant = await devAccount(chain.url, 5);
    await fundAccount(chain.url, token, customer, 1_000n * USDC);
  });

  afterAll(() => chain?.stop());

  const invoice = (over: Partial<{ token: string; amountDue: string; amountRemaining: string; status: string; chainId: number }> = {}) => ({
    id: 'inv_test',
    status: 'open',
    chainId: 31337,
    token,
    payTo: merchant,
    amountDue: '10001234',
    amountRemaining: '10001234',
    ...over,
  });

  it('deploys the test token first, at the address the default devnet chain config expects', async () => {
    expect(token).toBe(getAddress(DEVNET_TOKEN_ADDRESS));
    const configured = DEFAULT_CHAINS.find((c) => c.chainId === 31337)!.assets.find((a) => a.symbol === 'USDC')!;
    expect(configured.token).toBe(token);
    const read = (functionName: 'name' | 'symbol' | 'decimals') => chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName });
    expect([await read('name'), await read('symbol'), await read('decimals')]).toEqual(['Test USD Coin', 'USDC', 6]);
    // A second deploy against the same devnet finds it there instead of failing.
    await expect(deployTestToken(chain.url)).resolves.toBe(token);
  });

  it('funds an account with tokens and gas money', async () => {
    expect(await balanceOf(chain.url, token, customer)).toBe(1_000n * USDC);
    const fresh = '0x00000000000000000000000000000000000b1110' as Address;
    await fundAccount(chain.url, token, fresh, 5n * USDC, { minEth: 10n ** 18n });
    expect(await balanceOf(chain.url, token, fresh)).toBe(5n * USDC);
    expect(await balanceOf(chain.url, 'native', fresh)).toBe(10n ** 18n);
    await fundAccount(chain.url, 'native', fresh, 7n, { minEth: 10n ** 18n });
    expect(await balanceOf(chain.url, 'native', fresh)).toBe(10n ** 18n + 7n);
  });

  it('pays exactly the remaining amount of an ERC-20 invoice', async () => {
    const [payerBefore, merchantBefore] = [await balanceOf(chain.url, token, customer), await balanceOf(chain.url, token, merchant)];
    const hash = await payInvoice(chain.url, invoice({ status: 'partially_paid', amountDue: '10001234', amountRemaining: '4001234' }));
    const receipt = await waitForReceipt(chain.url, hash);
    expect(receipt.status).toBe('success');
    expect(receipt.to).toBe(token.toLowerCase());
    expect(await balanceOf(chain.url, token, merchant)).toBe(merchantBefore + 4_001_234n);
    expect(await balanceOf(chain.url, token, customer)).toBe(payerBefore - 4_001_234n);
  });

  it('pays a native invoice with a plain value transfer', async () => {
    const amount = 5_000_000_000_000_042n;
    const merchantBefore = await balanceOf(chain.url, 'native', merchant);
    const hash = await payInvoice(chain.url, invoice({ token: 'native', amountDue: amount.toString(), amountRemaining: amount.toString() }));
    const receipt = await waitForReceipt(chain.url, hash);
    expect(receipt.status).toBe('success');
    const tx = await chain.publicClient.getTransaction({ hash });
    expect([tx.to, tx.value, tx.input]).toEqual([merchant.toLowerCase(), amount, '0x']);
    expect(await balanceOf(chain.url, 'native', merchant)).toBe(merchantBefore + amount);
  });

  it('refuses invoices it must not pay', async () => {
    await expect(payInvoice(chain.url, invoice({ status: 'paid' }))).rejects.toThrow('inv_test is paid');
    await expect(payInvoice(chain.url, invoice({ amountRemaining: '0' }))).rejects.toThrow('nothing left to pay');
    await expect(payInvoice(chain.url, invoice({ chainId: 8453 }))).rejects.toThrow('not on the devnet');
    await expect(payInvoice(chain.url, invoice({ amountRemaining: (10_000n * USDC).toString() }))).rejects.toThrow(/holds 99\d\.\d+ USDC/);
  });

  it('forwards native value in an internal call (visible in the balance, not as a top-level transfer)', async () => {
    const forwarder = await deployForwarder(chain.url);
    const before = await balanceOf(chain.url, 'native', merchant);
    const hash = await chain.walletClient.writeContract({
      address: forwarder,
      abi: forwarderAbi,
      functionName: 'forward',
      args: [merchant],
      value: 777n,
      account: customer,
      chain: null,
    });
    expect((await waitForReceipt(chain.url, hash)).status).toBe('success');
    expect((await chain.publicClient.getTransaction({ hash })).to).toBe(forwarder.toLowerCase());
    expect(await balanceOf(chain.url, 'native', merchant)).toBe(before + 777n);
  });

  it('anvil_reorg drops a mined transfer: the receipt is gone and the balance is back', async () => {
    // Empty blocks first, so the reorg below removes the payment and nothing else.
    await chain.mine(2);
    const merchantBefore = await balanceOf(chain.url, token, merchant);
    const hash = await payInvoice(chain.url, invoice());
    const receipt = await waitForReceipt(chain.url, hash);
    expect(await balanceOf(chain.url, token, merchant)).toBe(merchantBefore + 10_001_234n);
    const head = await chain.publicClient.getBlockNumber();
    expect(receipt.blockNumber).toBe(head);

    await chain.reorg(2, []);

    // Same height, new block: the parent-hash check sees it, and the receipt lookup throws.
    expect(await chain.publicClient.getBlockNumber()).toBe(head);
    const replaced = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(replaced.hash).not.toBe(receipt.blockHash);
    expect(replaced.transactions).toEqual([]);
    await expect(chain.publicClient.getTransactionReceipt({ hash })).rejects.toBeInstanceOf(TransactionReceiptNotFoundError);
    // Not back in the mempool either: mining more blocks does not bring it back.
    await chain.mine(2);
    await expect(chain.publicClient.getTransaction({ hash })).rejects.toBeInstanceOf(TransactionNotFoundError);
    expect(await balanceOf(chain.url, token, merchant)).toBe(merchantBefore);
  });

  it('anvil_reorg with the payment re-included moves it to another block under a new tx hash', async () => {
    const amount = 1_234n;
    await chain.mine(3);
    const merchantBefore = await balanceOf(chain.url, 'native', merchant);
    const hash = await payInvoice(chain.url, invoice({ token: 'native', amountDue: '1234', amountRemaining: '1234' }));
    const original = await waitForReceipt(chain.url, hash);
    const head = original.blockNumber;

    await chain.reorg(3, [[{ from: customer, to: merchant, value: amount }, 1]]);

    await expect(chain.publicClient.getTransactionReceipt({ hash })).rejects.toBeInstanceOf(TransactionReceiptNotFoundError);
    const moved = await chain.publicClient.getBlock({ blockNumber: head - 3n + 2n, includeTransactions: true });
    const payments = moved.transactions.filter((tx) => tx.to === merchant.toLowerCase() && tx.value === amount);
    expect(payments).toHaveLength(1);
    expect(payments[0].hash).not.toBe(hash);
    expect(await balanceOf(chain.url, 'native', merchant)).toBe(merchantBefore + amount);
  });

  it('snapshot/revert replaces blocks at the same heights; finalized trails latest by 8', async () => {
    const id = await chain.snapshot();
    await chain.mine(3);
    const head = await chain.publicClient.getBlock();
    await chain.revert(id);
    await chain.setAutomine(false);
    await chain.mine(3);
    const again = await chain.publicClient.getBlock();
    expect(again.number).toBe(head.number);
    expect(again.hash).not.toBe(head.hash);
    await chain.mine(20);
    await chain.setAutomine(true);
    const [latest, finalized] = await Promise.all([
      chain.publicClient.getBlock({ blockTag: 'latest' }),
      chain.publicClient.getBlock({ blockTag: 'finalized' }),
    ]);
    expect(latest.number - finalized.number).toBe(8n);
  });

  it('reports a busy port instead of hanging', async () => {
    await expect(startAnvil({ port: chain.port })).rejects.toBeInstanceOf(AnvilStartError);
  });
});
