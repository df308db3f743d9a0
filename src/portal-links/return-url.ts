// A return URL is allowed when it is https, has the prefix's exact origin, and its path starts
// at a path-segment boundary of the prefix's path ("/app" allows "/app" and "/app/x", not "/apple").
export function isAllowedReturnUrl(candidate: string, prefixes: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password) return false;
  return prefixes.some((prefix) => {
    const p = new URL(prefix);
    if (p.origin !== url.origin) return false;
    const base = p.pathname.endsWith('/') ? p.pathname : `${p.pathname}/`;
    return url.pathname === p.pathname || url.pathname.startsWith(base) || p.pathname === '/';
  });
}
