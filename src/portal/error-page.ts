import type {} from '@fastify/view';
import type { FastifyReply } from 'fastify';
import type { ErrorResponse } from '../common/error-response';

// Portal and dashboard routes answer errors with a page, not JSON. The link page is the uniform failure page.
export function isPortalPath(url: string): boolean {
  return url === '/portal' || url.startsWith('/portal/') || url.startsWith('/portal?') || url.startsWith('/p/') || url === '/dashboard' || url.startsWith('/dashboard/') || url.startsWith('/dashboard?');
}

const HEADINGS: Record<number, string> = {
  400: 'Something in that request was not right',
  401: 'Your session has ended',
  403: 'That action was refused',
  404: 'Page not found',
  405: 'That action is not available here',
  413: 'That request was too large',
  429: 'Too many attempts',
};

export async function renderErrorPage(reply: FastifyReply & { cspNonce?: unknown }, response: ErrorResponse): Promise<void> {
  const code = response.body.error.code;
  const template = code === 'portal_link_invalid' ? 'errors/link-invalid.hbs' : 'errors/error.hbs';
  const message = response.status >= 500 ? 'Something went wrong on our side. Please try again in a moment.' : response.body.error.message;
  void reply
    .status(response.status)
    .headers(response.headers)
    // Routes may have declared another type before failing (the QR route says image/svg+xml);
    // the error page is HTML whatever the route.
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer');
  await reply.view(template, {
    title: HEADINGS[response.status] ?? 'Something went wrong',
    heading: HEADINGS[response.status] ?? 'Something went wrong',
    message,
    minimal: true,
    showHome: response.status === 404 || response.status === 403 || response.status === 400,
    cspNonce: reply.cspNonce,
  });
}
