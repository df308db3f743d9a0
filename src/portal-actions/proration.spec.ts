import { prorateUpgrade } from './proration';

const start = new Date('2026-01-01T00:00:00.000Z');
const end = new Date('2026-01-31T00:00:00.000Z'); // 30 days
const at = (ms: number) => new Date(start.getTime() + ms);
const DAY = 86_400_000;

describe('prorateUpgrade', () => {
  const base = { oldUnitAmount: 10_000_000n, newUnitAmount: 25_000_000n, quantity: 1, periodStart: start, periodEnd: end };

  it('charges the full difference at the very start of the period', () => {
    expect(prorateUpgrade({ ...base, now: start }).amount).toBe(15_000_000n);
  });

  it('charges nothing at the period end or after it', () => {
    expect(prorateUpgrade({ ...base, now: end }).amount).toBe(0n);
    expect(prorateUpgrade({ ...base, now: at(40 * DAY) }).amount).toBe(0n);
  });

  it('never charges more than the full difference before the period starts', () => {
    expect(prorateUpgrade({ ...base, now: at(-DAY) }).amount).toBe(15_000_000n);
  });

  it('charges the remaining share, times the quantity', () => {
    expect(prorateUpgrade({ ...base, now: at(10 * DAY) }).amount).toBe(10_000_000n);
    expect(prorateUpgrade({ ...base, quantity: 3, now: at(15 * DAY) }).amount).toBe(22_500_000n);
  });

  it('rounds the final amount down, not the fraction', () => {
    // 1 base unit × 2/3 of the period = 0.666… → 0; 10 units × 1/3 = 3.33… → 3.
    expect(prorateUpgrade({ ...base, oldUnitAmount: 0n, newUnitAmount: 1n, periodEnd: at(3), now: at(1) }).amount).toBe(0n);
    expect(prorateUpgrade({ ...base, oldUnitAmount: 0n, newUnitAmount: 10n, periodEnd: at(3), now: at(2) }).amount).toBe(3n);
    // One millisecond before the end still leaves a (tiny) share of a large difference.
    expect(prorateUpgrade({ ...base, now: new Date(end.getTime() - 1) }).amount).toBe((15_000_000n * 1n) / BigInt(30 * DAY));
  });

  it('stays exact for 18-decimal amounts far beyond Number precision', () => {
    const oldUnitAmount = 123_456_789_012_345_678_901_234n;
    const newUnitAmount = oldUnitAmount + 10n ** 24n + 7n;
    const now = at(7 * DAY + 12_345);
    const remaining = BigInt(end.getTime() - now.getTime());
    const expected = ((10n ** 24n + 7n) * 5n * remaining) / BigInt(30 * DAY);
    expect(prorateUpgrade({ oldUnitAmount, newUnitAmount, quantity: 5, periodStart: start, periodEnd: end, now }).amount).toBe(expected);
  });

  it('charges nothing when the new price is not higher', () => {
    expect(prorateUpgrade({ ...base, newUnitAmount: base.oldUnitAmount, now: start }).amount).toBe(0n);
    expect(prorateUpgrade({ ...base, newUnitAmount: 1n, now: start }).amount).toBe(0n);
  });

  it('reports the fraction it used', () => {
    expect(prorateUpgrade({ ...base, now: at(10 * DAY) })).toEqual({ amount: 10_000_000n, remainingMs: 20 * DAY, periodMs: 30 * DAY });
  });

  it('rejects an empty period and a bad quantity', () => {
    expect(() => prorateUpgrade({ ...base, periodEnd: start, now: start })).toThrow(RangeError);
    expect(() => prorateUpgrade({ ...base, quantity: 0, now: start })).toThrow(RangeError);
    expect(() => prorateUpgrade({ ...base, quantity: 1.5, now: start })).toThrow(RangeError);
  });
});
