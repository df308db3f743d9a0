import { randomBytes } from 'node:crypto';
import { getAddress, type Address } from 'viem';
import type { z } from 'zod';
import { updateMerchantSchema } from '../../src/merchants/merchant.dto';
import { MerchantService, type CreatedMerchant } from '../../src/merchants/merchant.service';
import type { Scope } from '../../src/merchants/scopes';
import { nestOf, principalOf, type Host, type Owner } from './host';

export const USDC = 'asset_31337_0x5fbdb2315678afecb367f032d93f642f64180aa3';
export const ETH = 'asset_31337_native';

export interface MerchantFixture extends CreatedMerchant, Owner {
  id: string;
  // The first API key's secret, for suites that then call the merchant API.
  key: string;
}

export type MerchantChanges = z.input<typeof updateMerchantSchema>;

let merchants = 0;

// A merchant and its first API key (test mode unless `livemode`), optionally with settings changed
// the way PATCH /api/v1/merchant changes them.
export async function createMerchant(host: Host, options: { name?: string; livemode?: boolean; changes?: MerchantChanges } = {}): Promise<MerchantFixture> {
  merchants += 1;
  const service = nestOf(host).get(MerchantService);
  const created = await service.create({ name: options.name ?? `Test Merchant ${merchants} ${Date.now()}`, livemode: options.livemode ?? false });
  const fixture: MerchantFixture = { ...created, id: created.merchant.id, key: created.apiKey.secret, merchantId: created.merchant.id, livemode: created.apiKey.livemode, apiKeyId: created.apiKey.id };
  if (options.changes) fixture.merchant = await updateMerchant(host, fixture, options.changes);
  return fixture;
}

export function updateMerchant(host: Host, owner: Owner, changes: MerchantChanges): Promise<CreatedMerchant['merchant']> {
  return nestOf(host).get(MerchantService).update(principalOf(owner), updateMerchantSchema.parse(changes));
}

export async function createApiKey(host: Host, merchantId: string, options: { livemode?: boolean; scopes?: Scope[] } = {}): Promise<string> {
  const key = await nestOf(host).get(MerchantService).createApiKey(merchantId, { livemode: options.livemode ?? false, name: 'test', scopes: options.scopes, createdBy: 'test' });
  return key.secret;
}

// A receiving address no other merchant uses: an address belongs to one merchant (per chain), and
// the test files of a jest worker share one database.
export function freshAddress(): Address {
  return getAddress(`0x${randomBytes(20).toString('hex')}`);
}
