import { Injectable } from '@nestjs/common';
import { createPublicClient, defineChain, fallback, http, type Chain, type PublicClient } from 'viem';
import { AppConfig } from '../config/app-config';
import type { ChainConfig } from '../config/chains';

// One viem client per configured chain. cacheTime 0: a cached head would hide new blocks and reorgs.
@Injectable()
export class ChainClients {
  private readonly clients = new Map<number, PublicClient>();

  constructor(private readonly config: AppConfig) {}

  get(chainId: number): PublicClient {
    let client = this.clients.get(chainId);
    if (!client) {
      const chain = this.config.chain(chainId);
      if (!chain) throw new Error(`chain ${chainId} is not configured`);
      client = createChainClient(chain);
      this.clients.set(chainId, client);
    }
    return client;
  }
}

export function createChainClient(chain: ChainConfig): PublicClient {
  const transports = chain.rpcUrls.map((url) => http(url, { batch: { batchSize: 100, wait: 5 }, retryCount: 2, retryDelay: 150, timeout: 10_000 }));
  const transport = transports.length === 1 ? transports[0] : fallback(transports, { rank: false, retryCount: 1 });
  return createPublicClient({ chain: viemChain(chain), transport, cacheTime: 0, pollingInterval: chain.tickMs }) as PublicClient;
}

function viemChain(chain: ChainConfig): Chain {
  return defineChain({
    id: chain.chainId,
    name: chain.name,
    nativeCurrency: { name: 'Native', symbol: chain.assets.find((a) => a.token === 'native')?.symbol ?? 'ETH', decimals: 18 },
    rpcUrls: { default: { http: chain.rpcUrls } },
    testnet: chain.testnet,
  });
}
