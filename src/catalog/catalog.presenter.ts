import type { ConfiguredAsset } from '../config/app-config';
import type { PlanEntity } from './plan.entity';

export function assetView(a: ConfiguredAsset) {
  return { id: a.id, object: 'asset' as const, chainId: a.chainId, chainName: a.chainName, token: a.token, symbol: a.symbol, decimals: a.decimals, testnet: a.testnet };
}

export function planView(p: PlanEntity) {
  return {
    id: p.id,
    object: 'plan' as const,
    livemode: p.livemode,
    name: p.name,
    description: p.description,
    interval: { unit: p.intervalUnit, count: p.intervalCount },
    active: p.active,
    prices: [...(p.prices ?? [])]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((price) => ({ id: price.id, object: 'price' as const, assetId: price.assetId, amount: price.amount.toString() })),
    metadata: p.metadata,
    createdAt: p.createdAt.toISOString(),
  };
}

export type PlanView = ReturnType<typeof planView>;
