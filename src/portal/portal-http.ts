import { join } from 'node:path';
import cookie from '@fastify/cookie';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import Handlebars from 'handlebars';

export const VIEWS_DIR = join(__dirname, '..', '..', 'views');

const PARTIALS = {
  'status-badge': 'partials/status-badge.hbs',
  'empty-state': 'partials/empty-state.hbs',
  pagination: 'partials/pagination.hbs',
  'payments-table': 'partials/payments-table.hbs',
  'dashboard-layout': 'layouts/dashboard.hbs',
  'dashboard-field-error': 'partials/dashboard-field-error.hbs',
};

// CSP for server-rendered pages; helmet adds a fresh nonce to script-src and style-src per response.
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'strict-dynamic'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'https:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
};

// Responses allowed into an iframe, with the exact origins that may frame them. Keyed by the raw
// response so the error filter's pages for the same request are covered too.
const framing = new WeakMap<object, readonly string[]>();

// Embed mode (R16): the global CSP says frame-ancestors 'none' and frameguard sends
// X-Frame-Options: DENY; for this response only, the merchant's own https origins may frame it.
// An empty list keeps the default.
export function allowFraming(reply: FastifyReply, origins: readonly string[]): void {
  if (origins.length > 0) framing.set(reply.raw, origins);
}

export function framedCsp(csp: string, origins: readonly string[]): string {
  return csp.replace(/frame-ancestors [^;]*/, `frame-ancestors ${origins.join(' ')}`);
}

// Templates compile once from files in the repo (never from merchant or customer input), on an
// isolated Handlebars instance with no prototype access.
export async function configurePortalHttp(app: NestFastifyApplication): Promise<void> {
  await app.register(cookie);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (_request, reply, payload) => {
      const origins = framing.get(reply.raw);
      if (!origins) return payload;
      const csp = reply.getHeader('content-security-policy');
      if (typeof csp === 'string') void reply.header('content-security-policy', framedCsp(csp, origins));
      // X-Frame-Options cannot express an allowlist; with it the frame-ancestors list would be moot.
      void reply.removeHeader('x-frame-options');
      return payload;
    });
  app.useStaticAssets({ root: join(VIEWS_DIR, 'assets'), prefix: '/assets/', decorateReply: false, index: false, maxAge: '1h' });
  app.setViewEngine({
    engine: { handlebars: Handlebars.create() },
    templates: VIEWS_DIR,
    layout: 'layouts/portal.hbs',
    options: { partials: PARTIALS },
    production: true,
  });
}
