// Idle and absolute timeouts shared by portal and dashboard sessions.
export interface SessionWindow {
  lastSeenAt: Date;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
}

export interface SessionTimeouts {
  idleMs: number;
  touchAfterMs: number;
}

export function openWindow(now: Date, idleMs: number, absoluteAtMs: number): SessionWindow {
  return { lastSeenAt: now, idleExpiresAt: new Date(Math.min(now.getTime() + idleMs, absoluteAtMs)), absoluteExpiresAt: new Date(absoluteAtMs) };
}

export function isExpired(window: SessionWindow, now: Date): boolean {
  return now >= window.idleExpiresAt || now >= window.absoluteExpiresAt;
}

// Extends the idle timeout, but writes at most once per `touchAfterMs` and never past the absolute end.
export async function touchWindow(window: SessionWindow, now: Date, timeouts: SessionTimeouts, persist: (lastSeenAt: Date, idleExpiresAt: Date) => Promise<void>): Promise<void> {
  if (now.getTime() - window.lastSeenAt.getTime() <= timeouts.touchAfterMs) return;
  const idle = new Date(Math.min(now.getTime() + timeouts.idleMs, window.absoluteExpiresAt.getTime()));
  await persist(now, idle);
  window.lastSeenAt = now;
  window.idleExpiresAt = idle;
}
