import { join } from 'node:path';
import cookie from '@fastify/cookie';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
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

// Templates compile once from files in the repo (never from merchant or customer input), on an
// isolated Handlebars instance with no prototype access.
export async function configurePortalHttp(app: NestFastifyApplication): Promise<void> {
  await app.register(cookie);
  app.useStaticAssets({ root: join(VIEWS_DIR, 'assets'), prefix: '/assets/', decorateReply: false, index: false, maxAge: '1h' });
  app.setViewEngine({
    engine: { handlebars: Handlebars.create() },
    templates: VIEWS_DIR,
    layout: 'layouts/portal.hbs',
    options: { partials: PARTIALS },
    production: true,
  });
}
