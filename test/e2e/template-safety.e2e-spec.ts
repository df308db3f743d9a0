import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createTestApp, type TestApp } from '../app';
import { createPortalCustomer, createPortalMerchant, mintLink, openPortal, suiteEnv, type PortalCustomer, type PortalMerchant } from '../support/portal';

// R17 and S10: data reaches pages only through escaping {{ }}, nothing compiles templates from data,
// and stored markup in customer, billing-profile and merchant fields renders as text.

const ROOT = join(__dirname, '..', '..');

function files(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path, suffix);
    return entry.name.endsWith(suffix) ? [path] : [];
  });
}

const SCRIPT = '<script>alert(1)</script>';
const ATTRIBUTE_BREAK = '"><img src=x onerror=alert(1)>';
const TEMPLATE = "{{constructor.constructor('x')()}}";
const MERCHANT = '<b onmouseover=alert(2)>Evil & Co</b>';
const FOOTER = '</footer><script>alert(3)</script>';

// What Handlebars' escapeExpression makes of each.
const ESCAPED = {
  script: '&lt;script&gt;alert(1)&lt;/script&gt;',
  attributeBreak: '&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;',
  template: '{{constructor.constructor(&#x27;x&#x27;)()}}',
  merchant: '&lt;b onmouseover&#x3D;alert(2)&gt;Evil &amp; Co&lt;/b&gt;',
  footer: '&lt;/footer&gt;&lt;script&gt;alert(3)&lt;/script&gt;',
};

describe('template safety', () => {
  describe('static checks (R17)', () => {
    it('views use no unescaped output except the layout body slot', () => {
      const offenders: string[] = [];
      const templates = files(join(ROOT, 'views'), '.hbs');
      expect(templates.length).toBeGreaterThan(5);
      for (const file of templates) {
        const name = relative(ROOT, file);
        const lines = readFileSync(file, 'utf8').split('\n');
        lines.forEach((line, i) => {
          for (const match of line.matchAll(/\{\{\{[^}]*\}\}\}|\{\{~?\{|\{\{~?&/g)) {
            const allowed = name === join('views', 'layouts', 'portal.hbs') && /^\{\{\{\s*body\s*\}\}\}$/.test(match[0]);
            if (!allowed) offenders.push(`${name}:${i + 1}: ${match[0]}`);
          }
        });
      }
      expect(offenders).toEqual([]);
      expect(readFileSync(join(ROOT, 'views', 'layouts', 'portal.hbs'), 'utf8')).toContain('{{{body}}}');
    });

    it('no source marks strings safe, opens prototype access or compiles templates at runtime', () => {
      const offenders: string[] = [];
      for (const file of files(join(ROOT, 'src'), '.ts')) {
        if (file.endsWith('.spec.ts')) continue;
        const text = readFileSync(file, 'utf8');
        for (const banned of ['SafeString', 'allowProtoPropertiesByDefault', 'allowProtoMethodsByDefault', 'allowCallsToHelperMissing', 'Handlebars.compile', '.precompile(', 'registerHelper']) {
          if (text.includes(banned)) offenders.push(`${relative(ROOT, file)}: ${banned}`);
        }
      }
      expect(offenders).toEqual([]);
    });

    it('templates quote every attribute value that holds data', () => {
      const offenders: string[] = [];
      for (const file of files(join(ROOT, 'views'), '.hbs')) {
        const text = readFileSync(file, 'utf8');
        for (const match of text.matchAll(/\s[a-z-]+=\{\{/g)) offenders.push(`${relative(ROOT, file)}: ${match[0].trim()}`);
      }
      expect(offenders).toEqual([]);
    });
  });

  describe('stored XSS (S10)', () => {
    let t: TestApp;
    let m: PortalMerchant;
    let c: PortalCustomer;
    let cookie: string;

    beforeAll(async () => {
      t = await createTestApp({ env: suiteEnv('template-safety') });
      m = await createPortalMerchant(t, {
        name: MERCHANT,
        patch: { branding: { footerText: FOOTER } },
      });
      c = await createPortalCustomer(m, {
        name: SCRIPT,
        billingProfile: { company: ATTRIBUTE_BREAK, legalName: TEMPLATE, address: { line1: SCRIPT, city: TEMPLATE }, taxId: ATTRIBUTE_BREAK },
      });
      cookie = (await openPortal(t, m, c.id)).cookie;
    });

    afterAll(async () => {
      await t.close();
    });

    function expectEscaped(html: string, expected: string[]): void {
      for (const raw of [SCRIPT, ATTRIBUTE_BREAK, TEMPLATE, MERCHANT, FOOTER, '<script>alert', '<img src=x', 'onerror=alert', "constructor('x')"]) expect(html).not.toContain(raw);
      for (const escaped of expected) expect(html).toContain(escaped);
      // No script element other than the nonce'd local asset, whatever the data.
      for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/^<script nonce="[^"]+" src="\/assets\/[a-z0-9-]+\.js">$/);
    }

    it('/portal renders customer, profile and merchant fields as text', async () => {
      const res = await t.http().get('/portal').set('cookie', cookie);
      expect(res.status).toBe(200);
      expectEscaped(res.text, [ESCAPED.script, ESCAPED.attributeBreak, ESCAPED.template, ESCAPED.merchant, ESCAPED.footer]);
    });

    it('/portal/profile renders every profile field as text', async () => {
      const res = await t.http().get('/portal/profile').set('cookie', cookie);
      expect(res.status).toBe(200);
      expectEscaped(res.text, [ESCAPED.script, ESCAPED.attributeBreak, ESCAPED.template, ESCAPED.merchant]);
      // The template-looking value was printed, not evaluated.
      expect(res.text).toContain('{{constructor.constructor(');
    });

    it('the interstitial and an invoice page escape the merchant name too', async () => {
      const link = await mintLink(m, c.id);
      const interstitial = await t.http().get(`/p/${link.token}`);
      expect(interstitial.status).toBe(200);
      expectEscaped(interstitial.text, [ESCAPED.merchant]);
      const invoice = await t.http().get(`/portal/invoices/${c.invoiceId}`).set('cookie', cookie);
      expect(invoice.status).toBe(200);
      expectEscaped(invoice.text, [ESCAPED.merchant]);
    });

    it('the CSP would block inline script even if escaping regressed', async () => {
      const res = await t.http().get('/portal').set('cookie', cookie);
      const csp = res.headers['content-security-policy'] as string;
      const scriptSrc = /script-src ([^;]*)/.exec(csp)![1];
      expect(scriptSrc).toMatch(/'nonce-[^']+'/);
      expect(scriptSrc).not.toContain("'unsafe-inline'");
      expect(scriptSrc).not.toContain("'unsafe-eval'");
      expect(csp).toContain("script-src-attr 'none'");
    });
  });
});
