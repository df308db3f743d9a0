import type { INestApplicationContext } from '@nestjs/common';
import type { Actor, Principal, Tenant } from '../../src/common/tenant';
import { SCOPES } from '../../src/merchants/scopes';

// Factories build fixtures through the services, in whatever holds them: a Nest testing module
// (integration suites) or the app under test (e2e, browser and chain suites).
export type Nest = Pick<INestApplicationContext, 'get'>;
export type Host = Nest | { app: Nest };

export function nestOf(host: Host): Nest {
  return 'app' in host ? host.app : host;
}

// Who a fixture is made by: the merchant's own API key with every scope, as if it came through the
// merchant API (so audit rows and events read `merchant_api`, as they would in production).
export interface Owner {
  merchantId: string;
  livemode: boolean;
  apiKeyId: string;
}

export function principalOf(owner: Owner): Principal {
  const actor: Actor = { type: 'api_key', id: owner.apiKeyId, initiator: 'merchant_api' };
  return { merchantId: owner.merchantId, livemode: owner.livemode, scopes: new Set(SCOPES), apiKeyId: owner.apiKeyId, actor };
}

export function tenantOf(owner: Owner): Tenant {
  return { merchantId: owner.merchantId, livemode: owner.livemode };
}

// A view as the merchant API would send it: dates as ISO strings, no class instances.
export function asJson<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

// Actor of changes no person or key made (the reconciler, the sweeper, a test standing in for them).
export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'test', initiator: 'system' };
