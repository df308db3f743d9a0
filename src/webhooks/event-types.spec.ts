import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LifecycleChange } from '../subscriptions/subscription-lifecycle';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from './event-types';

const SRC = join(__dirname, '..');
const NAMESPACES = ['customer', 'subscription', 'invoice', 'payment', 'portal'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'webhooks' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

// Event types named where a change is recorded: literals on `eventType` lines, and literals a
// helper returns in a file that records changes (settlement's eventFor). Audit action names
// ('invoice.settle') and labels elsewhere are not event types.
function emittedTypes(): Map<string, string> {
  const found = new Map<string, string>();
  const literal = new RegExp(`'((?:${NAMESPACES.join('|')})\\.[a-z_]+)'`, 'g');
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('eventType')) continue;
    for (const line of text.split('\n')) {
      const relevant = /eventType\b/.test(line) ? line : /^\s*(return|case)\b/.test(line) ? line : '';
      for (const match of relevant.replace(/action:\s*'[^']*'/g, '').matchAll(literal)) found.set(match[1], file.slice(SRC.length + 1));
    }
  }
  return found;
}

describe('webhook event catalogue', () => {
  it('lists every event type the code emits', () => {
    const emitted = emittedTypes();
    expect(emitted.size).toBeGreaterThan(12);
    const missing = [...emitted].filter(([type]) => !isWebhookEventType(type)).map(([type, file]) => `${type} (${file})`);
    expect(missing).toEqual([]);
  });

  it('lists every subscription lifecycle change', () => {
    // A compile error here means the lifecycle gained a change: add it below and to the catalogue.
    const changes = {
      'subscription.activated': true,
      'subscription.renewed': true,
      'subscription.past_due': true,
      'subscription.canceled': true,
      'subscription.unpaid': true,
      'subscription.expired': true,
      'subscription.cancellation_scheduled': true,
      'subscription.cancellation_unscheduled': true,
      'subscription.paused': true,
      'subscription.resumed': true,
      'subscription.updated': true,
      'subscription.pending_update_expired': true,
      'subscription.payment_reversed': true,
    } satisfies Record<LifecycleChange, true>;
    expect(Object.keys(changes).filter((type) => !isWebhookEventType(type))).toEqual([]);
  });

  it('includes every type DESIGN §6 names, without duplicates', () => {
    const design = [
      ...['created', 'activated', 'updated', 'cancellation_scheduled', 'cancellation_unscheduled', 'paused', 'resumed', 'past_due', 'canceled'].map((t) => `subscription.${t}`),
      ...['created', 'paid', 'partially_paid', 'overpaid', 'expired'].map((t) => `invoice.${t}`),
      ...['detected', 'confirmed', 'reversed', 'unmatched'].map((t) => `payment.${t}`),
      'customer.updated',
      'customer.payment_method_updated',
      'customer.wallet_linked',
      'customer.wallet_unlinked',
      'portal.link_created',
    ];
    expect(design.filter((type) => !isWebhookEventType(type))).toEqual([]);
    expect(new Set(WEBHOOK_EVENT_TYPES).size).toBe(WEBHOOK_EVENT_TYPES.length);
  });
});
