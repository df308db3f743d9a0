// Amount tags make each held invoice's exact amount unique per (chain, token, pay_to), so an
// exact-amount transfer identifies its invoice. Tags are 1..9999 base units on top of the price.
export const MIN_TAG = 1;
export const MAX_TAG = 9_999;

// The smallest tag whose amount (subtotal + tag) no held invoice on the same address uses.
export function smallestFreeTag(subtotal: bigint, heldAmounts: readonly bigint[], from = MIN_TAG): number | null {
  const taken = new Set<bigint>(heldAmounts);
  for (let tag = from; tag <= MAX_TAG; tag++) {
    if (!taken.has(subtotal + BigInt(tag))) return tag;
  }
  return null;
}
