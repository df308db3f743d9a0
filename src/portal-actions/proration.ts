// Proration for an upgrade that applies mid-period: the customer pays the price difference for the
// part of the current period still ahead. Pure bigint arithmetic, no clock and no I/O.

export interface ProrationInput {
  oldUnitAmount: bigint; // current price per period, base units
  newUnitAmount: bigint; // new price per period, base units
  quantity: number;
  periodStart: Date;
  periodEnd: Date;
  now: Date;
}

export interface Proration {
  amount: bigint; // base units, never negative
  remainingMs: number;
  periodMs: number;
}

// amount = (new − old) × quantity × remainingMs / periodMs, multiplied out before the one integer
// division so only the final result is rounded, and always down: the customer is never charged a
// base unit more than the exact share. No credit for downgrades (those wait for the renewal).
export function prorateUpgrade(input: ProrationInput): Proration {
  const { oldUnitAmount, newUnitAmount, quantity, periodStart, periodEnd, now } = input;
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw new RangeError(`quantity must be a positive integer, got ${quantity}`);
  const periodMs = periodEnd.getTime() - periodStart.getTime();
  if (!Number.isFinite(periodMs) || periodMs <= 0) throw new RangeError('the billing period must have a positive length');
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('now is not a valid date');
  // Before the period starts the whole period is ahead; after it ends nothing is.
  const remainingMs = Math.min(periodMs, Math.max(0, periodEnd.getTime() - nowMs));
  const difference = newUnitAmount - oldUnitAmount;
  if (difference <= 0n || remainingMs === 0) return { amount: 0n, remainingMs, periodMs };
  const amount = (difference * BigInt(quantity) * BigInt(remainingMs)) / BigInt(periodMs);
  return { amount, remainingMs, periodMs };
}
