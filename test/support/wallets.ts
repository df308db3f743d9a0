import { privateKeyToAccount } from 'viem/accounts';

// Anvil's well-known development keys #2, #3 and #4, as the customers' own wallets in the
// wallet-linking suites (#0 deploys the test token, #1 pays invoices).
export const DEV_WALLETS = {
  carol: privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'),
  dave: privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6'),
  erin: privateKeyToAccount('0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733526f3d1c3c8d4fbd'),
};
