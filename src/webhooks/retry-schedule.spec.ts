import { ATTEMPT_OFFSETS_MS, cryptoRandom, JITTER, MAX_ATTEMPTS, MAX_RETRY_AFTER_MS, nextAttemptDelayMs, parseRetryAfter } from './retry-schedule';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe('webhook retry schedule', () => {
  it('is 10 attempts at 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h', () => {
    expect(MAX_ATTEMPTS).toBe(10);
    expect([...ATTEMPT_OFFSETS_MS]).toEqual([0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR]);
  });

  it('W9: with no jitter, the waits add up to exactly the offsets; then nothing', () => {
    let at = 0;
    const times = [at];
    for (let made = 1; ; made++) {
      const delay = nextAttemptDelayMs(made, () => 0.5);
      if (delay === null) break;
      at += delay;
      times.push(at);
    }
    expect(times).toEqual([...ATTEMPT_OFFSETS_MS]);
  });

  it('W9: jitter stays within ±20 % of every gap, at both extremes and for real randomness', () => {
    for (let made = 1; made < MAX_ATTEMPTS; made++) {
      const gap = ATTEMPT_OFFSETS_MS[made] - ATTEMPT_OFFSETS_MS[made - 1];
      expect(nextAttemptDelayMs(made, () => 0)).toBe(Math.round(gap * (1 - JITTER)));
      expect(nextAttemptDelayMs(made, () => 0.999999)).toBeLessThanOrEqual(Math.round(gap * (1 + JITTER)));
      for (let i = 0; i < 50; i++) {
        const delay = nextAttemptDelayMs(made)!;
        expect(delay).toBeGreaterThanOrEqual(Math.floor(gap * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(gap * 1.2));
      }
    }
    expect(JITTER).toBeGreaterThanOrEqual(0.1);
    expect(JITTER).toBeLessThanOrEqual(0.2);
  });

  it('spreads retries (crypto randomness, not a constant)', () => {
    const samples = new Set(Array.from({ length: 20 }, () => nextAttemptDelayMs(3)));
    expect(samples.size).toBeGreaterThan(10);
    for (let i = 0; i < 1000; i++) {
      const r = cryptoRandom();
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThan(1);
    }
  });

  it('single-attempt deliveries (tests, redeliveries) are never retried', () => {
    expect(nextAttemptDelayMs(1, undefined, 1)).toBeNull();
    expect(nextAttemptDelayMs(MAX_ATTEMPTS)).toBeNull();
    expect(nextAttemptDelayMs(0)).toBeNull();
  });

  describe('Retry-After', () => {
    const now = new Date('2026-01-01T00:00:00Z');

    it('reads delta-seconds and HTTP dates', () => {
      expect(parseRetryAfter('120', now)).toBe(120 * SECOND);
      expect(parseRetryAfter(' 7 ', now)).toBe(7 * SECOND);
      expect(parseRetryAfter('Thu, 01 Jan 2026 00:10:00 GMT', now)).toBe(10 * MINUTE);
    });

    it('ignores junk, the past and zero; caps far futures', () => {
      expect(parseRetryAfter(undefined, now)).toBeNull();
      expect(parseRetryAfter('soon', now)).toBeNull();
      expect(parseRetryAfter('-5', now)).toBeNull();
      expect(parseRetryAfter('0', now)).toBeNull();
      expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBeNull();
      expect(parseRetryAfter('99999999', now)).toBe(MAX_RETRY_AFTER_MS);
    });
  });
});
