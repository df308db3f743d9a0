import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import type { Principal } from '../common/tenant';
import { formatDateTime, type Tone } from '../portal/view-helpers';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/event-types';
import type { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity';
import type { WebhookEndpointEntity } from '../webhooks/webhook-endpoint.entity';
import { WebhookEndpointService } from '../webhooks/webhook-endpoint.service';
import { WebhookEventService } from '../webhooks/webhook-event.service';
import { WebhookSigningKeyService } from '../webhooks/webhook-signing-key.service';
import type { AttemptView, DeliveryView } from '../webhooks/webhook.presenter';
import { FormRejected } from './dashboard-error.filter';
import { DashboardLayoutService } from './dashboard-layout.service';
import type { DashboardContext } from './dashboard-session.service';
import { field, fields, type FieldErrors, type FormBody } from './settings-form';

const DELIVERY_STATUS: Record<string, { label: string; tone: Tone }> = {
  pending: { label: 'Pending', tone: 'info' },
  delivered: { label: 'Delivered', tone: 'success' },
  failed: { label: 'Failed', tone: 'danger' },
};

const ATTEMPT_OUTCOME: Record<string, { label: string; tone: Tone }> = {
  delivered: { label: 'Delivered', tone: 'success' },
  retry: { label: 'Will retry', tone: 'warning' },
  failed: { label: 'Failed', tone: 'danger' },
  endpoint_disabled: { label: 'Endpoint disabled', tone: 'danger' },
};

export interface ShownSecret {
  endpointId: string;
  url: string;
  secret: string;
  rotated: boolean;
  overlapUntil: string | null;
}

// The webhooks page, through the webhook services the API uses: endpoints, their secrets (shown
// once, at creation and rotation), test events, recent deliveries, and each event's attempts.
@Injectable()
export class DashboardWebhooksService {
  constructor(
    private readonly endpoints: WebhookEndpointService,
    private readonly events: WebhookEventService,
    private readonly signingKeys: WebhookSigningKeyService,
    private readonly chrome: DashboardLayoutService,
    private readonly clock: Clock,
  ) {}

  async page(ctx: DashboardContext, principal: Principal, extra: { notice?: string | null; secret?: ShownSecret; errors?: FieldErrors; form?: { url: string; description: string; eventTypes: string[] } } = {}) {
    const [layout, endpoints, deliveries, recent, publicKey] = await Promise.all([
      this.chrome.layout(ctx, 'webhooks', 'Webhooks'),
      this.endpoints.list(ctx.tenant, { limit: 100 }),
      this.events.listDeliveries(ctx.tenant, { limit: 25 }),
      this.events.list(ctx.tenant, { limit: 15 }),
      this.signingKeys.publicKey(ctx.tenant, principal.actor),
    ]);
    const now = this.clock.now();
    const urls = new Map(endpoints.data.map((e) => [e.id, e.url]));
    const chosen = new Set(extra.form?.eventTypes ?? []);
    return {
      ...layout,
      notice: extra.notice ?? null,
      publicKey,
      secret: extra.secret ?? null,
      errors: extra.errors ?? {},
      form: { url: extra.form?.url ?? '', description: extra.form?.description ?? '' },
      eventTypes: WEBHOOK_EVENT_TYPES.filter((t) => t !== 'webhook.test').map((t) => ({ value: t, checked: chosen.has(t) })),
      endpoints: endpoints.data.map((e) => this.endpoint(e, now)),
      deliveries: deliveries.data.map((d) => this.delivery(d, urls)),
      events: recent.data.map((e) => ({ id: e.id, type: e.type, time: formatDateTime(e.createdAt), initiatedBy: e.data?.initiated_by ?? '' })),
    };
  }

  async event(ctx: DashboardContext, id: string, notice: string | null) {
    const [event, endpoints] = await Promise.all([this.events.get(ctx.tenant, id), this.endpoints.list(ctx.tenant, { limit: 100 })]);
    const urls = new Map(endpoints.data.map((e) => [e.id, e.url]));
    return {
      ...(await this.chrome.layout(ctx, 'webhooks', `Event ${event.type}`)),
      notice,
      event: {
        id: event.id,
        type: event.type,
        time: formatDateTime(new Date(event.createdAt)),
        initiatedBy: event.data?.initiated_by ?? '',
        // Printed as text inside <pre>: escaped like every other value.
        payload: JSON.stringify(event.data, null, 2),
      },
      deliveries: event.deliveries.map((d) => ({ ...this.deliveryView(d, urls), attempts: (d.attempts ?? []).map((a) => this.attempt(a)) })),
      endpoints: endpoints.data.filter((e) => e.status === 'enabled').map((e) => ({ id: e.id, url: e.url })),
    };
  }

  async create(ctx: DashboardContext, principal: Principal, body: FormBody) {
    const form = { url: field(body, 'url'), description: field(body, 'description'), eventTypes: fields(body, 'eventTypes') };
    const errors: FieldErrors = {};
    if (!form.url || form.url.length > 2048) errors.url = 'Enter the https:// URL that receives the events.';
    if (form.description.length > 500) errors.description = 'At most 500 characters.';
    if (form.eventTypes.some((t) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(t))) errors.eventTypes = 'Unknown event type.';
    if (!Object.keys(errors).length) {
      try {
        const created = await this.endpoints.create(ctx.tenant, principal.actor, { url: form.url, description: form.description || null, eventTypes: form.eventTypes });
        return this.page(ctx, principal, { secret: { endpointId: created.id, url: created.url, secret: created.secret, rotated: false, overlapUntil: null } });
      } catch (err) {
        if (!(err instanceof DomainError) || (err.code !== 'validation_failed' && err.code !== 'conflict')) throw err;
        const detail = (err.details as { path?: string; message?: string }[] | undefined)?.[0];
        if (detail?.path === 'url') errors.url = `Refused: ${detail.message ?? err.message}.`;
        else errors.form = err.message;
      }
    }
    throw new FormRejected('dashboard/webhooks.hbs', await this.page(ctx, principal, { errors, form }));
  }

  async rotate(ctx: DashboardContext, principal: Principal, id: string) {
    const rotated = await this.endpoints.rotateSecret(ctx.tenant, principal.actor, id);
    const overlapUntil = rotated.previousSecretExpiresAt ? formatDateTime(new Date(rotated.previousSecretExpiresAt)) : null;
    return this.page(ctx, principal, { secret: { endpointId: rotated.id, url: rotated.url, secret: rotated.secret, rotated: true, overlapUntil } });
  }

  async setEnabled(ctx: DashboardContext, principal: Principal, id: string, enabled: boolean): Promise<void> {
    await this.endpoints.update(ctx.tenant, principal.actor, id, { enabled });
  }

  async sendTest(ctx: DashboardContext, principal: Principal, id: string): Promise<void> {
    await this.endpoints.sendTest(ctx.tenant, principal.actor, id);
  }

  async remove(ctx: DashboardContext, principal: Principal, id: string): Promise<void> {
    await this.endpoints.delete(ctx.tenant, principal.actor, id);
  }

  async redeliver(ctx: DashboardContext, principal: Principal, id: string, endpointId: string): Promise<void> {
    await this.events.redeliver(ctx.tenant, principal.actor, id, endpointId ? { endpointId } : {});
  }

  private endpoint(e: WebhookEndpointEntity, now: Date) {
    const overlap = e.previousSecretEnc && e.previousSecretExpiresAt && e.previousSecretExpiresAt > now;
    return {
      id: e.id,
      url: e.url,
      description: e.description,
      eventTypes: e.eventTypes.length ? e.eventTypes.join(', ') : 'All events',
      enabled: e.status === 'enabled',
      status: e.status === 'enabled' ? 'Enabled' : 'Disabled',
      tone: (e.status === 'enabled' ? 'success' : 'danger') as Tone,
      disabledReason: e.disabledReason,
      failingSince: e.failingSince ? formatDateTime(e.failingSince) : null,
      overlapUntil: overlap ? formatDateTime(e.previousSecretExpiresAt) : null,
      createdAt: formatDateTime(e.createdAt),
    };
  }

  private delivery(d: WebhookDeliveryEntity, urls: Map<string, string>) {
    return this.deliveryView(
      {
        id: d.id,
        eventId: d.eventId,
        endpointId: d.endpointId,
        trigger: d.trigger,
        status: d.status,
        attemptCount: d.attemptCount,
        maxAttempts: d.maxAttempts,
        nextAttemptAt: d.status === 'pending' && d.nextAttemptAt ? d.nextAttemptAt.toISOString() : null,
        lastResponseStatus: d.lastResponseStatus,
        lastError: d.lastError,
        createdAt: d.createdAt.toISOString(),
      },
      urls,
    );
  }

  private deliveryView(d: Pick<DeliveryView, 'id' | 'eventId' | 'endpointId' | 'trigger' | 'status' | 'attemptCount' | 'maxAttempts' | 'nextAttemptAt' | 'lastResponseStatus' | 'lastError' | 'createdAt'>, urls: Map<string, string>) {
    const status = DELIVERY_STATUS[d.status] ?? { label: d.status, tone: 'neutral' as Tone };
    return {
      id: d.id,
      eventId: d.eventId,
      endpoint: urls.get(d.endpointId) ?? d.endpointId,
      trigger: d.trigger === 'event' ? '' : d.trigger === 'redeliver' ? 'Redelivery' : 'Test',
      status: status.label,
      tone: status.tone,
      attemptsLabel: `${d.attemptCount} of ${d.maxAttempts}`,
      nextAttempt: d.nextAttemptAt ? formatDateTime(new Date(d.nextAttemptAt)) : null,
      lastResponse: d.lastResponseStatus !== null ? String(d.lastResponseStatus) : null,
      lastError: d.lastError,
      created: formatDateTime(new Date(d.createdAt)),
    };
  }

  private attempt(a: AttemptView) {
    const outcome = ATTEMPT_OUTCOME[a.outcome] ?? { label: a.outcome, tone: 'neutral' as Tone };
    return {
      attempt: a.attempt,
      time: formatDateTime(new Date(a.attemptedAt)),
      host: a.urlHost,
      response: a.responseStatus !== null ? String(a.responseStatus) : '—',
      latency: `${a.latencyMs} ms`,
      excerpt: a.responseExcerpt,
      errorClass: a.errorClass,
      outcome: outcome.label,
      tone: outcome.tone,
      nextAttempt: a.nextAttemptAt ? formatDateTime(new Date(a.nextAttemptAt)) : null,
    };
  }
}
