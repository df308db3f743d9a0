import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { getAddress, type Abi, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { createDataSource } from '../../src/database/data-source';
import { ReceivingAddressOwnership1764600000000 } from '../../src/database/migrations/1764600000000-receiving-address-ownership';
import { api, createKey, createMerchant, createTestApp, type TestApp, type TestMerchant } from '../app';
import { devAccount, startTestChain, waitForReceipt, type TestChain } from '../support/anvil';
import { describeWithBrowser, expectPageBasics, launchBrowser, newDesktopPage, screenshot, serveOnLocalhost } from '../support/browser';
import { createStaff, hiddenCsrf, PASSWORD, post, signIn, type StaffSession } from '../support/dashboard';
import { suiteEnv } from '../support/portal';
import { databaseUrl, runId, templateDbName, withAdmin } from '../support/test-db';

// Receiving addresses belong to one merchant: the (chain, address) registry refuses another
// merchant's address in any letter case, and a live chain (testnet: false) takes a new address only
// with a signature by it over a message we issued: EIP-191 from a plain wallet, ERC-1271 from a
// contract wallet (OwnedWallet, deployed on anvil), both checked through the chain's RPC by viem.

const TEST_CHAIN = 31337;
// A second configured chain, live, served by the same anvil: nothing here depends on its chain id.
const LIVE_CHAIN = 4242;
const CHALLENGES = '/api/v1/merchant/receiving-addresses/challenges';

const fresh = (): PrivateKeyAccount => privateKeyToAccount(generatePrivateKey());

interface Challenge {
  id: string;
  object: string;
  chainId: number;
  address: string;
  message: string;
  expiresAt: string;
}

describe('receiving addresses: one owner per (chain, address), proof of control on live chains', () => {
  let chain: TestChain;
  let t: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    chain = await startTestChain();
    const chainConfig = (chainId: number, name: string, testnet: boolean) => ({
      chainId,
      name,
      testnet,
      rpcUrls: [chain.url],
      explorerUrl: null,
      confirmations: 2,
      finality: 'finalized',
      tickMs: 1000,
      startBlock: 0,
      assets: [{ symbol: 'ETH', token: 'native', decimals: 18 }, ...(testnet ? [{ symbol: 'USDC', token: DEVNET_TOKEN_ADDRESS, decimals: 6 }] : [])],
    });
    const CHAINS = JSON.stringify([chainConfig(TEST_CHAIN, 'Anvil devnet', true), chainConfig(LIVE_CHAIN, 'Live test chain', false)]);
    t = await createTestApp({ env: suiteEnv('receiving-addresses', { CHAINS }) });
    ds = t.app.get(DataSource);
  }, 30_000);

  afterAll(async () => {
    await t?.close();
    await chain?.stop();
  });

  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => ds.query(sql, params);
  const patch = (m: TestMerchant, body: object) => api(t, m.key).patch('/api/v1/merchant', body);
  const addressesOf = async (m: TestMerchant) => (await q<{ receiving_addresses: Record<string, string> }>(`SELECT receiving_addresses FROM merchant WHERE id = $1`, [m.merchant.id]))[0].receiving_addresses;
  const registryOf = (m: TestMerchant) =>
    q<{ chain_id: number; address: string; proof: string; verified_at: Date | null; proof_message: string | null }>(
      `SELECT chain_id, address, proof, verified_at, proof_message FROM receiving_address WHERE merchant_id = $1 ORDER BY chain_id`,
      [m.merchant.id],
    );
  const challengeRows = (id: string) => q(`SELECT 1 FROM receiving_address_challenge WHERE id = $1`, [id]);

  async function challenge(m: TestMerchant, address: string, chainId = LIVE_CHAIN): Promise<Challenge> {
    const res = await api(t, m.key).post(CHALLENGES, { chainId, address });
    expect(res.status).toBe(201);
    return res.body as Challenge;
  }

  async function proofBy(m: TestMerchant, signer: PrivateKeyAccount, address: string = signer.address, chainId = LIVE_CHAIN) {
    const c = await challenge(m, address, chainId);
    return { challenge: c, proof: { challengeId: c.id, signature: await signer.signMessage({ message: c.message }) } };
  }

  describe('one owner per chain and address', () => {
    it('refuses another merchant’s address in any letter case with 409 address_in_use, changing nothing for either', async () => {
      const [m1, m2] = [await createMerchant(t), await createMerchant(t)];
      const owned = fresh().address;
      expect((await patch(m1, { receivingAddresses: { [TEST_CHAIN]: owned } })).status).toBe(200);
      const m2Before = await api(t, m2.key).get('/api/v1/merchant');

      for (const variant of [owned, owned.toLowerCase(), `0x${owned.slice(2).toUpperCase()}`]) {
        const res = await patch(m2, { name: 'Squatter', receivingAddresses: { [TEST_CHAIN]: variant } });
        expect(res.status).toBe(409);
        expect(res.body.error).toMatchObject({ code: 'address_in_use', details: [{ path: `receivingAddresses.${TEST_CHAIN}` }] });
      }
      // Also with a live-mode key: the rule spans modes.
      const liveKey = await createKey(t, m2.merchant.id, { livemode: true });
      expect((await api(t, liveKey).patch('/api/v1/merchant', { receivingAddresses: { [TEST_CHAIN]: owned } })).body.error.code).toBe('address_in_use');

      // Nothing changed: m2's name and addresses, m1's address and registry entry.
      const m2After = await api(t, m2.key).get('/api/v1/merchant');
      expect(m2After.body).toEqual(m2Before.body);
      expect(await addressesOf(m1)).toEqual({ [TEST_CHAIN]: owned });
      expect(await registryOf(m1)).toEqual([expect.objectContaining({ chain_id: TEST_CHAIN, address: owned.toLowerCase(), proof: 'testnet', verified_at: null })]);
      expect(await registryOf(m2)).toEqual([]);
      // A challenge for it is refused up front too.
      const res = await api(t, m2.key).post(CHALLENGES, { chainId: TEST_CHAIN, address: owned });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('address_in_use');
    });

    it('lets a merchant save its own address again, in another letter case, alongside other changes', async () => {
      const m = await createMerchant(t);
      const owned = fresh().address;
      await patch(m, { receivingAddresses: { [TEST_CHAIN]: owned } }).expect(200);
      const res = await patch(m, { name: 'Renamed', receivingAddresses: { [TEST_CHAIN]: owned.toLowerCase() } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'Renamed', receivingAddresses: { [TEST_CHAIN]: owned } });
      expect(await registryOf(m)).toEqual([expect.objectContaining({ chain_id: TEST_CHAIN, address: owned.toLowerCase() })]);
    });

    it('frees a removed or replaced address for another merchant', async () => {
      const [m1, m2, m3] = [await createMerchant(t), await createMerchant(t), await createMerchant(t)];
      const [a, b] = [fresh().address, fresh().address];
      await patch(m1, { receivingAddresses: { [TEST_CHAIN]: a } }).expect(200);
      expect((await patch(m2, { receivingAddresses: { [TEST_CHAIN]: a } })).status).toBe(409);

      await patch(m1, { receivingAddresses: { [TEST_CHAIN]: null } }).expect(200);
      expect(await registryOf(m1)).toEqual([]);
      await patch(m2, { receivingAddresses: { [TEST_CHAIN]: a } }).expect(200);
      expect(await addressesOf(m2)).toEqual({ [TEST_CHAIN]: a });

      // Replacing an address releases the old one.
      await patch(m2, { receivingAddresses: { [TEST_CHAIN]: b } }).expect(200);
      await patch(m3, { receivingAddresses: { [TEST_CHAIN]: a } }).expect(200);
      expect((await q(`SELECT merchant_id FROM receiving_address WHERE chain_id = $1 AND address = ANY($2) ORDER BY merchant_id`, [TEST_CHAIN, [a.toLowerCase(), b.toLowerCase()]])).map((r) => r.merchant_id).sort()).toEqual(
        [m2.merchant.id, m3.merchant.id].sort(),
      );
    });

    it('lets exactly one of two merchants racing for one address have it', async () => {
      const [m1, m2] = [await createMerchant(t), await createMerchant(t)];
      const contested = fresh().address;
      const results = await Promise.all([m1, m2].map((m) => patch(m, { receivingAddresses: { [TEST_CHAIN]: contested } })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const holders = await q<{ merchant_id: string }>(`SELECT merchant_id FROM receiving_address WHERE chain_id = $1 AND address = $2`, [TEST_CHAIN, contested.toLowerCase()]);
      expect(holders).toHaveLength(1);
      const loser = holders[0].merchant_id === m1.merchant.id ? m2 : m1;
      expect(await addressesOf(loser)).toEqual({});
    });

    it('keeps the same address on different chains apart', async () => {
      const [m1, m2] = [await createMerchant(t), await createMerchant(t)];
      const signer = fresh();
      await patch(m1, { receivingAddresses: { [TEST_CHAIN]: signer.address } }).expect(200);
      const { proof } = await proofBy(m2, signer);
      await patch(m2, { receivingAddresses: { [LIVE_CHAIN]: signer.address }, addressProofs: { [LIVE_CHAIN]: proof } }).expect(200);
    });
  });

  describe('proof of control on a live chain', () => {
    it('issues a single-use challenge naming the address, chain, merchant and site', async () => {
      const m = await createMerchant(t);
      const signer = fresh();
      const c = await challenge(m, signer.address.toLowerCase());
      expect(c).toMatchObject({ object: 'receiving_address_challenge', chainId: LIVE_CHAIN, address: signer.address });
      expect(c.id).toMatch(/^rac_[0-9A-Za-z]{22}$/);
      expect(new Date(c.expiresAt).getTime() - t.clock.now().getTime()).toBe(10 * 60_000);
      for (const line of [`Address: ${signer.address}`, `Chain ID: ${LIVE_CHAIN}`, `Merchant: ${m.merchant.id}`, 'Site: billing.test', 'Live test chain']) expect(c.message).toContain(line);

      for (const [body, status] of [
        [{ chainId: 999, address: signer.address }, 400],
        [{ chainId: LIVE_CHAIN, address: '0x1234' }, 400],
        [{ chainId: LIVE_CHAIN, address: signer.address, extra: 1 }, 400],
      ] as const) {
        expect((await api(t, m.key).post(CHALLENGES, body)).status).toBe(status);
      }
      const readOnly = await createKey(t, m.merchant.id, { scopes: ['merchant:read'] });
      expect((await api(t, readOnly).post(CHALLENGES, { chainId: LIVE_CHAIN, address: signer.address })).status).toBe(403);
    });

    it('accepts a new live address with the wallet’s EIP-191 signature, and records the proof', async () => {
      const m = await createMerchant(t);
      const signer = fresh();
      const { challenge: c, proof } = await proofBy(m, signer);
      const res = await patch(m, { receivingAddresses: { [LIVE_CHAIN]: signer.address }, addressProofs: { [LIVE_CHAIN]: proof } });
      expect(res.status).toBe(200);
      expect(res.body.receivingAddresses).toEqual({ [LIVE_CHAIN]: signer.address });
      expect(await registryOf(m)).toEqual([{ chain_id: LIVE_CHAIN, address: signer.address.toLowerCase(), proof: 'signature', verified_at: t.clock.now(), proof_message: c.message }]);
      expect(await challengeRows(c.id)).toEqual([]);
      const audits = await q<{ actor_type: string; changes: { after: Record<string, unknown> } }>(`SELECT actor_type, changes FROM audit_event WHERE merchant_id = $1 AND action = 'receiving_address.prove'`, [m.merchant.id]);
      expect(audits).toEqual([{ actor_type: 'api_key', changes: { before: null, after: expect.objectContaining({ chainId: LIVE_CHAIN, address: signer.address, proof: 'signature' }) } }]);

      // Saving it again needs no new proof; a test chain never does.
      await patch(m, { receivingAddresses: { [LIVE_CHAIN]: signer.address.toLowerCase(), [TEST_CHAIN]: fresh().address } }).expect(200);
    });

    it('refuses a live address without proof: 422 address_proof_required, nothing saved', async () => {
      const m = await createMerchant(t);
      const res = await patch(m, { name: 'Unproven', receivingAddresses: { [LIVE_CHAIN]: fresh().address } });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'address_proof_required', details: [{ path: `receivingAddresses.${LIVE_CHAIN}` }] });
      expect((await api(t, m.key).get('/api/v1/merchant')).body).toMatchObject({ name: m.merchant.name, receivingAddresses: {} });
      expect(await registryOf(m)).toEqual([]);
    });

    it('refuses a signature by another key, and the challenge is spent by the attempt', async () => {
      const m = await createMerchant(t);
      const [owner, stranger] = [fresh(), fresh()];
      const c = await challenge(m, owner.address);
      const wrong = await patch(m, { receivingAddresses: { [LIVE_CHAIN]: owner.address }, addressProofs: { [LIVE_CHAIN]: { challengeId: c.id, signature: await stranger.signMessage({ message: c.message }) } } });
      expect(wrong.status).toBe(422);
      expect(wrong.body.error).toMatchObject({ code: 'address_proof_invalid', details: [{ path: `addressProofs.${LIVE_CHAIN}` }] });
      expect(await addressesOf(m)).toEqual({});
      expect(await challengeRows(c.id)).toEqual([]);
      // The right signature on the spent challenge is refused too.
      const late = await patch(m, { receivingAddresses: { [LIVE_CHAIN]: owner.address }, addressProofs: { [LIVE_CHAIN]: { challengeId: c.id, signature: await owner.signMessage({ message: c.message }) } } });
      expect(late.body.error.code).toBe('address_proof_invalid');
      // Malformed signatures are refused the same way, never a 500.
      for (const signature of ['0x', 'not hex', `0x${'00'.repeat(65)}`]) {
        const other = await challenge(m, owner.address);
        const res = await patch(m, { receivingAddresses: { [LIVE_CHAIN]: owner.address }, addressProofs: { [LIVE_CHAIN]: { challengeId: other.id, signature } } });
        expect([res.status, res.body.error.code]).toEqual([422, 'address_proof_invalid']);
      }
    });

    it('refuses a replayed challenge', async () => {
      const m = await createMerchant(t);
      const signer = fresh();
      const { proof } = await proofBy(m, signer);
      await patch(m, { receivingAddresses: { [LIVE_CHAIN]: signer.address }, addressProofs: { [LIVE_CHAIN]: proof } }).expect(200);
      await patch(m, { receivingAddresses: { [LIVE_CHAIN]: null } }).expect(200);
      const replay = await patch(m, { receivingAddresses: { [LIVE_CHAIN]: signer.address }, addressProofs: { [LIVE_CHAIN]: proof } });
      expect([replay.status, replay.body.error.code]).toEqual([422, 'address_proof_invalid']);
      expect(await addressesOf(m)).toEqual({});
    });

    it('refuses an expired challenge', async () => {
      const m = await createMerchant(t);
      const signer = fresh();
      const { proof } = await proofBy(m, signer);
      t.clock.advance(10 * 60_000);
      const res = await patch(m, { receivingAddresses: { [LIVE_CHAIN]: signer.address }, addressProofs: { [LIVE_CHAIN]: proof } });
      expect([res.status, res.body.error.code]).toEqual([422, 'address_proof_invalid']);
      expect(await addressesOf(m)).toEqual({});
    });

    it('refuses a challenge issued for another address or another chain', async () => {
      const m = await createMerchant(t);
      const [a, b] = [fresh(), fresh()];
      // A valid signature by b, over a challenge issued for a.
      const forA = await challenge(m, a.address);
      const res = await patch(m, { receivingAddresses: { [LIVE_CHAIN]: b.address }, addressProofs: { [LIVE_CHAIN]: { challengeId: forA.id, signature: await b.signMessage({ message: forA.message }) } } });
      expect(res.body.error.code).toBe('address_proof_invalid');
      // A challenge issued on the test chain does not prove the live one.
      const { proof } = await proofBy(m, a, a.address, TEST_CHAIN);
      const other = await patch(m, { receivingAddresses: { [LIVE_CHAIN]: a.address }, addressProofs: { [LIVE_CHAIN]: proof } });
      expect(other.body.error.code).toBe('address_proof_invalid');
      expect(await addressesOf(m)).toEqual({});
    });

    it('never lets one merchant use another’s challenge, nor spend it', async () => {
      const [owner, thief] = [await createMerchant(t), await createMerchant(t)];
      const signer = fresh();
      const { challenge: c, proof } = await proofBy(owner, signer);
      const stolen = await patch(thief, { receivingAddresses: { [LIVE_CHAIN]: signer.address }, addressProofs: { [LIVE_CHAIN]: proof } });
      expect([stolen.status, stolen.body.error.code]).toEqual([422, 'address_proof_invalid']);
      expect(await addressesOf(thief)).toEqual({});
      // Still there for its merchant.
      expect(await challengeRows(c.id)).toHaveLength(1);
      await patch(owner, { receivingAddresses: { [LIVE_CHAIN]: signer.address }, addressProofs: { [LIVE_CHAIN]: proof } }).expect(200);
    });

    it('refuses a proof sent without the address it proves (400)', async () => {
      const m = await createMerchant(t);
      const { proof } = await proofBy(m, fresh());
      const res = await patch(m, { addressProofs: { [LIVE_CHAIN]: proof } });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: `addressProofs.${LIVE_CHAIN}` })]);
    });

    it('records a proof for an address that was set before proofs were asked', async () => {
      const m = await createMerchant(t);
      const signer = fresh();
      // As the migration leaves it.
      await q(`UPDATE merchant SET receiving_addresses = $2 WHERE id = $1`, [m.merchant.id, { [LIVE_CHAIN]: signer.address }]);
      await q(`INSERT INTO receiving_address (chain_id, address, merchant_id, proof) VALUES ($1, $2, $3, 'migrated')`, [LIVE_CHAIN, signer.address.toLowerCase(), m.merchant.id]);
      await patch(m, { name: 'Still mine', receivingAddresses: { [LIVE_CHAIN]: signer.address } }).expect(200);
      expect((await registryOf(m))[0].proof).toBe('migrated');
      const { proof } = await proofBy(m, signer);
      await patch(m, { receivingAddresses: { [LIVE_CHAIN]: signer.address }, addressProofs: { [LIVE_CHAIN]: proof } }).expect(200);
      expect((await registryOf(m))[0]).toMatchObject({ proof: 'signature', verified_at: t.clock.now() });
    });

    it('accepts a contract wallet through ERC-1271 when its owner signed, and refuses anyone else', async () => {
      const artifact = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'contracts', 'artifacts', 'OwnedWallet.json'), 'utf8')) as { abi: Abi; bytecode: Hex };
      const owner = fresh();
      const hash = await chain.walletClient.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args: [owner.address], account: await devAccount(chain.url, 0), chain: null });
      const wallet = getAddress((await waitForReceipt(chain.url, hash)).contractAddress as Address);

      const m = await createMerchant(t);
      const byStranger = await challenge(m, wallet);
      const refused = await patch(m, { receivingAddresses: { [LIVE_CHAIN]: wallet }, addressProofs: { [LIVE_CHAIN]: { challengeId: byStranger.id, signature: await fresh().signMessage({ message: byStranger.message }) } } });
      expect(refused.body.error.code).toBe('address_proof_invalid');

      const c = await challenge(m, wallet);
      const res = await patch(m, { receivingAddresses: { [LIVE_CHAIN]: wallet }, addressProofs: { [LIVE_CHAIN]: { challengeId: c.id, signature: await owner.signMessage({ message: c.message }) } } });
      expect(res.status).toBe(200);
      expect(await registryOf(m)).toEqual([expect.objectContaining({ chain_id: LIVE_CHAIN, address: wallet.toLowerCase(), proof: 'signature' })]);
    });
  });

  describe('dashboard settings', () => {
    async function owner(): Promise<{ m: TestMerchant; s: StaffSession }> {
      const m = await createMerchant(t);
      const user = await createStaff(t, m.merchant.id, { role: 'owner' });
      return { m, s: await signIn(t, user.email) };
    }

    // The message as the page shows it, entities decoded (as the browser's text node holds it).
    const messageOn = (html: string, chainId: number): string =>
      new RegExp(`id="proof-message-${chainId}"[^>]*>([\\s\\S]*?)</pre>`)
        .exec(html)![1]
        .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');

    it('verifies a live address without JavaScript: message on the page, pasted signature, saved', async () => {
      const { m, s } = await owner();
      const signer = fresh();
      const testAddress = fresh().address;
      const issued = await post(t, s, '/dashboard/settings/addresses/challenge', { chain: String(LIVE_CHAIN), [`address_${LIVE_CHAIN}`]: signer.address, [`address_${TEST_CHAIN}`]: testAddress });
      expect(issued.status).toBe(200);
      const message = messageOn(issued.text, LIVE_CHAIN);
      expect(message).toContain(`Address: ${signer.address}`);
      const challengeId = new RegExp(`name="challenge_${LIVE_CHAIN}" value="(rac_[0-9A-Za-z]{22})"`).exec(issued.text)![1];
      // The typed values survive the round trip.
      expect(issued.text).toContain(`value="${testAddress}"`);
      const [row] = await q<{ message: string }>(`SELECT message FROM receiving_address_challenge WHERE id = $1`, [challengeId]);
      expect(message).toBe(row.message);

      const saved = await post(t, { ...s, csrf: hiddenCsrf(issued.text) }, '/dashboard/settings/addresses', {
        [`address_${LIVE_CHAIN}`]: signer.address,
        [`address_${TEST_CHAIN}`]: testAddress,
        [`challenge_${LIVE_CHAIN}`]: challengeId,
        [`signature_${LIVE_CHAIN}`]: await signer.signMessage({ message }),
      });
      expect(saved.status).toBe(303);
      expect(await addressesOf(m)).toEqual({ [LIVE_CHAIN]: signer.address, [TEST_CHAIN]: testAddress });
      const page = await t.http().get('/dashboard/settings').set('cookie', s.cookie);
      expect(page.text).toContain('Control proven by signature on');
    });

    it('shows refusals next to the field: no proof (422), another merchant’s address (409), nothing saved', async () => {
      const { m, s } = await owner();
      const noProof = await post(t, s, '/dashboard/settings/addresses', { [`address_${LIVE_CHAIN}`]: fresh().address });
      expect(noProof.status).toBe(422);
      expect(noProof.text).toContain('Nothing was saved');
      expect(noProof.text).toMatch(new RegExp(`id="address_${LIVE_CHAIN}-error">[^<]*needs proof that you control it`));

      const other = await createMerchant(t);
      const taken = fresh().address;
      await patch(other, { receivingAddresses: { [TEST_CHAIN]: taken } }).expect(200);
      const inUse = await post(t, s, '/dashboard/settings/addresses', { [`address_${TEST_CHAIN}`]: taken.toLowerCase() });
      expect(inUse.status).toBe(409);
      expect(inUse.text).toMatch(new RegExp(`id="address_${TEST_CHAIN}-error">[^<]*already used by another merchant`));
      const challengeTaken = await post(t, s, '/dashboard/settings/addresses/challenge', { chain: String(TEST_CHAIN), [`address_${TEST_CHAIN}`]: taken });
      expect(challengeTaken.status).toBe(409);

      const badSignature = await post(t, s, '/dashboard/settings/addresses/challenge', { chain: String(LIVE_CHAIN), [`address_${LIVE_CHAIN}`]: fresh().address });
      const id = new RegExp(`name="challenge_${LIVE_CHAIN}" value="([^"]+)"`).exec(badSignature.text)![1];
      const bad = await post(t, { ...s, csrf: hiddenCsrf(badSignature.text) }, '/dashboard/settings/addresses', {
        [`address_${LIVE_CHAIN}`]: fresh().address,
        [`challenge_${LIVE_CHAIN}`]: id,
        [`signature_${LIVE_CHAIN}`]: `0x${'11'.repeat(65)}`,
      });
      expect(bad.status).toBe(422);
      expect(bad.text).toContain('proof of control was not accepted');
      expect(await addressesOf(m)).toEqual({});
    });

    it('asks for the address before issuing a challenge', async () => {
      const { s } = await owner();
      const res = await post(t, s, '/dashboard/settings/addresses/challenge', { chain: String(LIVE_CHAIN), [`address_${LIVE_CHAIN}`]: '' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('enter the 0x address to verify');
    });
  });

  describeWithBrowser('dashboard “Verify with wallet” in Chromium', () => {
    let browser: Browser | undefined;
    let base: string;

    beforeAll(async () => {
      base = await serveOnLocalhost(t.app);
      browser = await launchBrowser();
    }, 30_000);

    afterAll(async () => {
      await browser?.close().catch(() => undefined);
    });

    it('signs the issued message with the browser wallet (personal_sign) and saves the address', async () => {
      const m = await createMerchant(t, { name: 'Wallet Verified' });
      const user = await createStaff(t, m.merchant.id, { role: 'owner' });
      const signer = fresh();
      const { context, page, problems } = await newDesktopPage(browser!, base);
      const calls: string[] = [];
      // An injected wallet whose keys stay in the test: personal_sign is answered from here.
      await context.exposeBinding('__walletSign', async (_source, hex: Hex, address: string) => {
        calls.push(address);
        return signer.signMessage({ message: { raw: hex } });
      });
      await context.addInitScript(`window.ethereum = { request: async ({ method, params }) => {
        if (method === 'eth_requestAccounts') return [${JSON.stringify(signer.address.toLowerCase())}];
        if (method === 'personal_sign') return window.__walletSign(params[0], params[1]);
        throw new Error('unsupported ' + method);
      } };`);

      await page.goto(`${base}/dashboard/sign-in`);
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/dashboard`);
      await page.goto(`${base}/dashboard/settings#addresses`);
      await page.locator(`#address_${LIVE_CHAIN}`).fill(signer.address);
      await page.getByRole('button', { name: 'Verify with wallet' }).click();
      await page.locator(`#proof-message-${LIVE_CHAIN}`).waitFor();
      await expectPageBasics(page);
      await screenshot(page, 'dashboard-settings-address-proof');
      await page.getByRole('button', { name: 'Sign with wallet and save' }).click();
      await page.waitForURL(/\/dashboard\/settings\?notice=saved/);
      expect(calls).toEqual([signer.address.toLowerCase()]);
      expect(await addressesOf(m)).toEqual({ [LIVE_CHAIN]: signer.address });
      expect(await page.locator('#addresses').innerText()).toContain('Control proven by signature on');
      expect(problems).toEqual([]);
      await context.close();
    });
  });

  describe('migration backfill', () => {
    it('gives each shared address to the earliest merchant and removes it from the later ones', async () => {
      const name = `${runId()}_w${process.env.JEST_WORKER_ID ?? '1'}_rcvmig`;
      await withAdmin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDbName()}"`));
      const scratch = createDataSource({ DATABASE_URL: databaseUrl(name), DATABASE_POOL_SIZE: 1 });
      await scratch.initialize();
      try {
        const runner = scratch.createQueryRunner();
        const migration = new ReceivingAddressOwnership1764600000000();
        await migration.down(runner);
        const shared = fresh().address;
        const own = fresh().address;
        const insert = (id: string, createdAt: string, addresses: Record<string, string>) =>
          runner.query(`INSERT INTO merchant (id, name, slug, branding, portal_settings, billing_settings, receiving_addresses, created_at) VALUES ($1, $1, $1, '{}', '{}', '{}', $2, $3)`, [
            id,
            addresses,
            createdAt,
          ]);
        await insert('mer_first', '2025-01-01T00:00:00Z', { [TEST_CHAIN]: shared.toLowerCase(), [LIVE_CHAIN]: shared });
        await insert('mer_second', '2025-02-01T00:00:00Z', { [TEST_CHAIN]: shared, [LIVE_CHAIN]: own });
        await insert('mer_third', '2025-03-01T00:00:00Z', { [TEST_CHAIN]: `0x${shared.slice(2).toUpperCase()}` });
        await migration.up(runner);
        const merchants = await runner.query(`SELECT id, receiving_addresses FROM merchant ORDER BY id`);
        expect(merchants).toEqual([
          { id: 'mer_first', receiving_addresses: { [TEST_CHAIN]: shared.toLowerCase(), [LIVE_CHAIN]: shared } },
          { id: 'mer_second', receiving_addresses: { [LIVE_CHAIN]: own } },
          { id: 'mer_third', receiving_addresses: {} },
        ]);
        expect(await runner.query(`SELECT chain_id, address, merchant_id, proof FROM receiving_address ORDER BY merchant_id, chain_id`)).toEqual([
          { chain_id: LIVE_CHAIN, address: shared.toLowerCase(), merchant_id: 'mer_first', proof: 'migrated' },
          { chain_id: TEST_CHAIN, address: shared.toLowerCase(), merchant_id: 'mer_first', proof: 'migrated' },
          { chain_id: LIVE_CHAIN, address: own.toLowerCase(), merchant_id: 'mer_second', proof: 'migrated' },
        ]);
        await runner.release();
      } finally {
        await scratch.destroy();
        await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      }
    });
  });
});
