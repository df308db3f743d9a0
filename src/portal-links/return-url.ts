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
    // Prefixes are validated when stored; one that still fails to parse matches nothing rather
    // than turning a link mint or check into a 500.
    const p = URL.canParse(prefix) ? new URL(prefix) : null;
    if (!p || p.origin !== url.origin) return false;
    const base = p.pathname.endsWith('/') ? p.pathname : `${p.pathname}/`;
    return url.pathname === p.pathname || url.pathname.startsWith(base) || p.pathname === '/';
  });
}
