import fc from 'fast-check';
import { isAllowedReturnUrl } from './return-url';

const PREFIXES = ['https://merchant.example/app'];

describe('isAllowedReturnUrl', () => {
  it.each([
    'https://merchant.example/app',
    'https://merchant.example/app/',
    'https://merchant.example/app/billing',
    'https://merchant.example/app/billing?from=portal#top',
    'https://MERCHANT.example/app/x',
    'https://merchant.example:443/app',
  ])('allows %s', (url) => {
    expect(isAllowedReturnUrl(url, PREFIXES)).toBe(true);
  });

  it.each([
    ['a sibling path sharing the prefix text', 'https://merchant.example/apple'],
    ['a sibling path with a suffix', 'https://merchant.example/app-admin'],
    ['a parent path', 'https://merchant.example/'],
    ['dot segments out of the prefix', 'https://merchant.example/app/../admin'],
    ['encoded dot segments', 'https://merchant.example/app/%2e%2e/admin'],
    ['another origin', 'https://evil.example/app'],
    ['a subdomain of the merchant', 'https://www.merchant.example/app'],
    ['the merchant host as a subdomain', 'https://merchant.example.evil.example/app'],
    ['another port', 'https://merchant.example:8443/app'],
    ['http', 'http://merchant.example/app'],
    ['credentials', 'https://user:pass@merchant.example/app'],
    ['a username only', 'https://user@merchant.example/app'],
    ['javascript:', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['scheme-relative', '//evil.example/app'],
    ['a relative path', '/app'],
    ['garbage', 'not a url'],
    ['empty', ''],
  ])('rejects %s', (_label, url) => {
    expect(isAllowedReturnUrl(url, PREFIXES)).toBe(false);
  });

  it('a prefix with a trailing slash allows only paths below it', () => {
    expect(isAllowedReturnUrl('https://merchant.example/app/x', ['https://merchant.example/app/'])).toBe(true);
    expect(isAllowedReturnUrl('https://merchant.example/apple', ['https://merchant.example/app/'])).toBe(false);
  });

  it('an origin-only prefix allows any path on that origin only', () => {
    expect(isAllowedReturnUrl('https://merchant.example/anything', ['https://merchant.example'])).toBe(true);
    expect(isAllowedReturnUrl('https://evil.example/anything', ['https://merchant.example'])).toBe(false);
  });

  it('no prefixes allow nothing', () => {
    expect(isAllowedReturnUrl('https://merchant.example/app', [])).toBe(false);
  });

  it('matches any one of several prefixes', () => {
    const prefixes = ['https://a.example/one', 'https://b.example/two'];
    expect(isAllowedReturnUrl('https://b.example/two/x', prefixes)).toBe(true);
    expect(isAllowedReturnUrl('https://a.example/two', prefixes)).toBe(false);
  });

  it('a malformed stored prefix is skipped, never thrown', () => {
    expect(() => isAllowedReturnUrl('https://merchant.example/app', ['not a url', ...PREFIXES])).not.toThrow();
    expect(isAllowedReturnUrl('https://merchant.example/app', ['not a url', ...PREFIXES])).toBe(true);
  });

  it('never allows a URL whose origin differs from the prefix origin (property)', () => {
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['https', 'http'], withQueryParameters: true, withFragments: true }), (url) => {
        if (isAllowedReturnUrl(url, PREFIXES)) {
          const u = new URL(url);
          expect(u.origin).toBe('https://merchant.example');
          expect(u.pathname === '/app' || u.pathname.startsWith('/app/')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(typeof isAllowedReturnUrl(s, PREFIXES)).toBe('boolean');
      }),
    );
  });
});
