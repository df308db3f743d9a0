import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { encodeFunctionData, erc20Abi } from 'viem';
import { createPlan, USDC_TOKEN } from '../factories';
import { browserSuite, continueToPortal, describeWithBrowser, newDesktopPage, screenshot, SCREENSHOT_DIR, type DesktopPage } from '../support/browser';
import { createPortalCustomer, createPortalMerchant, db, ETH, mintLink, suiteEnv, type PortalCustomer, type PortalMerchant } from '../support/portal';

// "Pay with wallet", "I paid from an exchange" and the PDF download in a real Chromium, with a
// fake EIP-1193 provider injected before the page's scripts run: it records every request, so the
// transaction the script asks the wallet to send is checked byte for byte.

const PAYER = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const SENT_HASH = `0x${'ab'.repeat(32)}`;

// Starts on mainnet so the script must ask to switch to the invoice's chain (31337 = 0x7a69).
const FAKE_WALLET = `
  window.__walletCalls = [];
  let chainId = '0x1';
  window.ethereum = {
    isMetaMask: true,
    request: async ({ method, params }) => {
      window.__walletCalls.push({ method, params: params === undefined ? null : JSON.parse(JSON.stringify(params)) });
      switch (method) {
        case 'eth_requestAccounts': return ['${PAYER}'];
        case 'eth_chainId': return chainId;
        case 'wallet_switchEthereumChain': chainId = params[0].chainId; return null;
        case 'eth_sendTransaction': return '${SENT_HASH}';
        default: throw Object.assign(new Error('unsupported ' + method), { code: 4200 });
      }
    },
  };
`;

interface WalletCall {
  method: string;
  params: unknown;
}

describeWithBrowser('paying from the portal in Chromium', () => {
  const s = browserSuite({ env: suiteEnv('portal-pay-browser'), page: false });
  let m: PortalMerchant;
  let usdc: PortalCustomer;
  let eth: PortalCustomer;

  beforeAll(async () => {
    m = await createPortalMerchant(s.t, { name: 'Wallet Shop' });
    usdc = await createPortalCustomer(m, { email: 'usdc@example.com', name: 'Usha' });
    const plan = await createPlan(s.t, m, { name: 'ETH monthly', interval: { unit: 'month', count: 1 }, prices: [{ assetId: ETH, amount: '1500000000000000000' }] });
    eth = await createPortalCustomer(m, { email: 'eth@example.com', name: 'Ethan', planId: plan.id });
  });

  // A fresh browser context signed in to the customer's portal, on the invoice page; closed after the test.
  async function openInvoice(customer: PortalCustomer, options: { wallet: boolean }): Promise<DesktopPage> {
    const opened = Object.assign(s, await newDesktopPage(s.browser, s.base, { viewport: { width: 1280, height: 900 }, acceptDownloads: true }));
    if (options.wallet) await opened.context.addInitScript(FAKE_WALLET);
    await continueToPortal(opened.page, s.base, (await mintLink(m, customer.id)).token);
    await opened.page.goto(`${s.base}/portal/invoices/${customer.invoiceId}`);
    return opened;
  }

  async function walletCalls(page: Page): Promise<WalletCall[]> {
    return (await page.evaluate('window.__walletCalls')) as WalletCall[];
  }

  it('sends exactly transfer(payTo, remaining) to the USDC contract after switching the chain', async () => {
    const { page, problems } = await openInvoice(usdc, { wallet: true });
    const button = page.locator('#wallet-pay-button');
    expect(await button.innerText()).toMatch(/^Pay [\d,.]+ USDC with wallet$/);
    await screenshot(page, 'portal-pay-invoice');
    await button.click();
    await page.locator('#wallet-pay-status', { hasText: 'Waiting for the chain' }).waitFor();
    expect(await page.locator('#wallet-pay-status code').innerText()).toBe(SENT_HASH);
    await screenshot(page, 'portal-pay-wallet-sent');

    const calls = await walletCalls(page);
    expect(calls.map((c) => c.method)).toEqual(['eth_requestAccounts', 'eth_chainId', 'wallet_switchEthereumChain', 'eth_sendTransaction']);
    expect(calls[2].params).toEqual([{ chainId: '0x7a69' }]);
    expect(calls[3].params).toEqual([
      { from: PAYER, to: USDC_TOKEN, value: '0x0', data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [m.receivingAddress, BigInt(usdc.amountDue)] }) },
    ]);
    expect(problems).toEqual([]);
  });

  it('sends the remaining wei as a native transfer, without switching when already on the chain', async () => {
    const { page, problems } = await openInvoice(eth, { wallet: true });
    await page.evaluate(`window.ethereum.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: '0x7a69' }] }).then(() => { window.__walletCalls = []; })`);
    await page.locator('#wallet-pay-button').click();
    await page.locator('#wallet-pay-status', { hasText: 'Waiting for the chain' }).waitFor();
    const calls = await walletCalls(page);
    expect(calls.map((c) => c.method)).toEqual(['eth_requestAccounts', 'eth_chainId', 'eth_sendTransaction']);
    expect(calls[2].params).toEqual([{ from: PAYER, to: m.receivingAddress, value: `0x${BigInt(eth.amountDue).toString(16)}` }]);
    expect(problems).toEqual([]);
  });

  it('without a browser wallet the button explains how to pay manually', async () => {
    const { page, problems } = await openInvoice(usdc, { wallet: false });
    await page.locator('#wallet-pay-button').click();
    await page.locator('#wallet-pay-status', { hasText: 'No browser wallet' }).waitFor();
    expect(await page.locator('#wallet-pay-status').innerText()).toContain('Pay manually');
    await screenshot(page, 'portal-pay-no-wallet');
    expect(problems).toEqual([]);
  });

  it('submits an exchange transaction hash and shows it pending; downloads the PDF', async () => {
    const { page, problems } = await openInvoice(usdc, { wallet: false });
    const hash = `0x${randomBytes(32).toString('hex')}`;
    await page.getByLabel('Transaction hash').fill(hash);
    await page.getByRole('button', { name: 'Submit for verification' }).click();
    await page.waitForURL(`${s.base}/portal/invoices/${usdc.invoiceId}?done=claim-submitted#claims`);
    expect(await page.locator('p.notice[role=status]').innerText()).toContain('your transaction hash was received');
    const row = page.locator('section#claims tbody tr');
    expect(await row.locator('td[data-label=Status]').innerText()).toBe('Pending verification');
    expect(await row.locator('code').getAttribute('title')).toBe(hash);
    await screenshot(page, 'portal-pay-claim-pending');
    expect((await db(s.t).query(`SELECT status FROM payment_claim WHERE tx_hash = $1`, [hash])).map((r: { status: string }) => r.status)).toEqual(['pending']);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download PDF' }).click()]);
    expect(download.suggestedFilename()).toBe(`${usdc.invoiceNumber}.pdf`);
    const path = await download.path();
    expect(readFileSync(path).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // Kept beside the screenshots for a human to open.
    await download.saveAs(join(SCREENSHOT_DIR, 'portal-pay-invoice.pdf'));
    expect(problems).toEqual([]);
  });
});
