import { getAddress, isAddress } from 'viem';
import { z } from 'zod';

const address = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), 'must be a 0x address')
  .transform((v) => getAddress(v));

const assetSchema = z
  .object({
    symbol: z.string().regex(/^[A-Za-z0-9.]{1,12}$/),
    // 'native' for the chain's coin, otherwise the ERC-20 contract address.
    token: z.union([z.literal('native'), address]),
    decimals: z.number().int().min(0).max(36),
  })
  .strict();

const chainSchema = z
  .object({
    chainId: z.number().int().positive(),
    name: z.string().min(1).max(64),
    // Test chains (devnets, testnets) serve sk_test_ keys; the others serve sk_live_ keys.
    testnet: z.boolean(),
    rpcUrls: z.array(z.url()).min(1),
    explorerUrl: z.url().nullable().default(null),
    confirmations: z.number().int().min(0).max(10_000).default(12),
    finality: z.union([z.literal('finalized'), z.number().int().positive()]).default('finalized'),
    tickMs: z.number().int().min(100).max(600_000).default(2_000),
    // Where scanning starts on first boot: a block number, or the head at that moment.
    startBlock: z.union([z.literal('latest'), z.number().int().min(0)]).default('latest'),
    assets: z.array(assetSchema).min(1),
  })
  .strict();

export const chainsSchema = z
  .array(chainSchema)
  .min(1)
  .refine((chains) => new Set(chains.map((c) => c.chainId)).size === chains.length, 'chain ids must be unique');

export type ChainConfig = z.infer<typeof chainSchema>;
export type AssetConfig = z.infer<typeof assetSchema>;

// Anvil's first deployment from its first dev account always lands at this address, so the
// demo's test token has a known address before it is deployed.
export const DEVNET_TOKEN_ADDRESS = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

export const DEFAULT_CHAINS: ChainConfig[] = [
  {
    chainId: 31337,
    name: 'Anvil devnet',
    testnet: true,
    rpcUrls: ['http://127.0.0.1:8545'],
    explorerUrl: null,
    confirmations: 2,
    finality: 'finalized',
    tickMs: 1_000,
    startBlock: 0,
    assets: [
      { symbol: 'ETH', token: 'native', decimals: 18 },
      { symbol: 'USDC', token: DEVNET_TOKEN_ADDRESS, decimals: 6 },
    ],
  },
];

export function assetId(chainId: number, token: string): string {
  return `asset_${chainId}_${token === 'native' ? 'native' : token.toLowerCase()}`;
}
