import { SESSION_COOKIE } from './portal-session.service';

// __Host- prefix: Secure, Path=/, no Domain, so no subdomain can set or read it.
export function sessionCookie(sid: string, embed: boolean): string {
  const sameSite = embed ? 'SameSite=None; Partitioned' : 'SameSite=Lax';
  return `${SESSION_COOKIE}=${sid}; Path=/; Secure; HttpOnly; ${sameSite}`;
}

export function clearSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`;
}
