import { browserSuite, continueToPortal, describeWithBrowser, newDesktopPage } from '../support/browser';
import { chainTestbed, type ChainTestbed } from '../support/chain-app';
import { createPortalCustomer, createPortalMerchant, mintLink, type PortalMerchant } from '../support/portal';
import { DEV_WALLETS } from '../support/wallets';

const { carol, dave } = DEV_WALLETS;

// wallet-link.js in Chromium: the injected wallet signs through personal_sign, and the verify form
// carries the message back byte for byte (a plain form submission would turn its line breaks into
// CRLF). Signatures are verified through the chain's RPC, so the app runs against an anvil.
describeWithBrowser('portal wallet linking in Chromium', () => {
  let bed: ChainTestbed | undefined;
  let m: PortalMerchant;
  const s = browserSuite({
    app: async () => {
      bed = await chainTestbed();
      return { t: bed.t, close: () => bed!.close() };
    },
    page: false,
  });

  beforeAll(async () => {
    m = await createPortalMerchant(s.t, { name: 'Acme Cloud' });
  });

  // Each test starts with no active bindings (the dev accounts are shared across tests).
  afterEach(async () => {
    await bed!.ds.query(`UPDATE payer_wallet SET unlinked_at = now() WHERE unlinked_at IS NULL`);
  });

  const activeWallets = (customerId: string): Promise<{ address: string }[]> =>
    bed!.ds.query(`SELECT address FROM payer_wallet WHERE customer_id = $1 ORDER BY created_at`, [customerId]);

  async function open(customerId: string, withWallet: boolean): Promise<void> {
    Object.assign(s, await newDesktopPage(s.browser, s.base));
    if (withWallet) {
      await s.page.exposeFunction('__testSign', (hex: string, address: string) => {
        if (address.toLowerCase() !== carol.address.toLowerCase()) throw new Error('unknown account');
        return carol.signMessage({ message: { raw: hex as `0x${string}` } });
      });
      await s.context.addInitScript(`window.ethereum = { request: async ({ method, params }) => {
        if (method === 'eth_requestAccounts') return ['${carol.address.toLowerCase()}'];
        if (method === 'eth_chainId') return '0x7a69';
        if (method === 'personal_sign') return window.__testSign(params[0], params[1]);
        throw new Error('unsupported ' + method);
      } };`);
    }
    await continueToPortal(s.page, s.base, (await mintLink(m, customerId)).token);
    await s.page.goto(`${s.base}/portal/wallets`);
  }

  it('links through an injected wallet: connect, sign, verify', async () => {
    const c = await createPortalCustomer(m, { email: 'browser@example.com' });
    await open(c.id, true);
    await s.page.getByRole('button', { name: 'Use browser wallet' }).click();
    await s.page.waitForURL(/\/portal\/wallets\?challenge=/);
    await s.page.getByRole('button', { name: 'Sign with browser wallet' }).click();
    await s.page.waitForURL(`${s.base}/portal/wallets?done=linked`);
    expect(await s.page.locator('main').innerText()).toContain(carol.address);
    expect((await activeWallets(c.id)).map((w) => w.address)).toEqual([carol.address]);
    expect(s.problems).toEqual([]);
  });

  it('links with a signature made elsewhere and pasted in, without a browser wallet', async () => {
    const c = await createPortalCustomer(m, { email: 'paste@example.com' });
    await open(c.id, false);
    expect(await s.page.getByRole('button', { name: 'Use browser wallet' }).isVisible()).toBe(false);
    await s.page.getByLabel('Wallet address').fill(carol.address.toLowerCase());
    await s.page.getByRole('button', { name: 'Continue' }).click();
    await s.page.waitForURL(/\/portal\/wallets\?challenge=/);
    expect(await s.page.getByRole('button', { name: 'Sign with browser wallet' }).isVisible()).toBe(false);
    const shown = await s.page.locator('#siwe-message').textContent();
    await s.page.getByLabel('Signature').fill(await carol.signMessage({ message: shown! }));
    await s.page.getByRole('button', { name: 'Verify and link' }).click();
    await s.page.waitForURL(`${s.base}/portal/wallets?done=linked`);
    expect((await activeWallets(c.id)).map((w) => w.address)).toEqual([carol.address]);
    expect(s.problems).toEqual([]);
  });

  it('shows the error page in place when the signature is wrong', async () => {
    const c = await createPortalCustomer(m, { email: 'wrong@example.com' });
    await open(c.id, false);
    await s.page.getByLabel('Wallet address').fill(carol.address);
    await s.page.getByRole('button', { name: 'Continue' }).click();
    await s.page.waitForURL(/\/portal\/wallets\?challenge=/);
    const shown = await s.page.locator('#siwe-message').textContent();
    await s.page.getByLabel('Signature').fill(await dave.signMessage({ message: shown! }));
    await s.page.getByRole('button', { name: 'Verify and link' }).click();
    await s.page.getByText('could not be verified').waitFor();
    expect(await activeWallets(c.id)).toEqual([]);
  });
});
