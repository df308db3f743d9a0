import type { Env } from './env';
import { assetId, type AssetConfig, type ChainConfig } from './chains';

export interface ConfiguredAsset extends AssetConfig {
  id: string;
  chainId: number;
  chainName: string;
  testnet: boolean;
}

// The parsed, frozen environment, injected wherever configuration is needed.
export class AppConfig {
  readonly assets: readonly ConfiguredAsset[];

  constructor(readonly env: Env) {
    this.assets = env.CHAINS.flatMap((chain) =>
      chain.assets.map((a) => ({ ...a, id: assetId(chain.chainId, a.token), chainId: chain.chainId, chainName: chain.name, testnet: chain.testnet })),
    );
  }

  chain(chainId: number): ChainConfig | undefined {
    return this.env.CHAINS.find((c) => c.chainId === chainId);
  }

  asset(id: string): ConfiguredAsset | undefined {
    return this.assets.find((a) => a.id === id);
  }
}
