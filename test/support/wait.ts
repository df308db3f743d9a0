import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  // What is awaited, for the failure message.
  what?: string;
  timeoutMs?: number;
  intervalMs?: number;
}

// The one way tests wait: poll the state they need (a row, a status, a received request) until it
// holds, and fail with the last value seen once the deadline passes. Never a fixed sleep.
export async function waitFor<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, options: WaitOptions = {}): Promise<T> {
  const { what = 'the condition', timeoutMs = 15_000, intervalMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() >= deadline) throw new Error(`waited ${timeoutMs} ms for ${what}; last seen: ${describe(value)}`);
    await delay(intervalMs);
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
