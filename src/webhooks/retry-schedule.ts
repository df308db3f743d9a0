import { randomBytes } from 'node:crypto';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

// When each attempt is due, counted from the first one (R22, W9): about a day in all.
export const ATTEMPT_OFFSETS_MS = [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR] as const;
export const MAX_ATTEMPTS = ATTEMPT_OFFSETS_MS.length;

// Each gap is stretched or shrunk by up to this fraction, so endpoints that fail together
// (an outage) are not retried in lockstep.
export const JITTER = 0.2;

// A receiver's Retry-After may push an attempt later than the schedule, never beyond this.
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

// An endpoint failing without a single success for this long is disabled.
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * HOUR;

// Uniform in [0, 1) from node:crypto (48 bits): retry timing must not come from Math.random.
export function cryptoRandom(): number {
  return randomBytes(6).readUIntBE(0, 6) / 2 ** 48;
}

// The wait after attempt `attemptsMade` (1-based) failed, or null when that was the last one.
export function nextAttemptDelayMs(attemptsMade: number, random: () => number = cryptoRandom, maxAttempts: number = MAX_ATTEMPTS): number | null {
  if (attemptsMade < 1 || attemptsMade >= Math.min(maxAttempts, MAX_ATTEMPTS)) return null;
  const gap = ATTEMPT_OFFSETS_MS[attemptsMade] - ATTEMPT_OFFSETS_MS[attemptsMade - 1];
  const factor = 1 + JITTER * (2 * random() - 1);
  return Math.round(gap * factor);
}

// Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3). Returns milliseconds from now,
// capped; null when absent or unparseable.
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * SECOND;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return null;
    ms = at - now.getTime();
  }
  if (!Number.isFinite(ms) || ms <= 0) return null;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

// Statuses whose Retry-After we honour (R22).
export const RETRY_AFTER_STATUSES = new Set([429, 502, 503, 504]);
