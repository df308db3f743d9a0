import { Injectable } from '@nestjs/common';
import { ChangeRecorder, diff } from '../audit/change-recorder.service';
import { Clock } from '../common/clock';
import { ColumnCipher } from '../common/crypto/column-cipher';
import { DomainError, ValidationError } from '../common/errors';
import { newId } from '../common/ids';
import type { Actor, Tenant } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { Db } from '../database/db.service';
import type { Page, PageQuery } from '../database/tenant-scope';
import { EgressRefusedError, vetUrl, type EgressPolicy } from './egress';
import { TEST_EVENT_TYPE } from './event-types';
import { WebhookDeliveryService, egressPolicy } from './webhook-delivery.service';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookEventRepository } from './webhook-event.repository';
import { deliveryView, endpointView, type DeliveryView, type EndpointView } from './webhook.presenter';
import { secretContext } from './webhook-secrets';
import { generateSecret } from './webhook-signer';

// Few enough that one event cannot fan out into a flood of requests.
export const MAX_ENDPOINTS_PER_MODE = 16;
// How long a rotated-out secret still signs deliveries (R20: at least 24 h).
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

export interface EndpointInput {
  url: string;
  eventTypes?: string[];
  description?: string | null;
}

export interface EndpointChanges {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  enabled?: boolean;
}

// The secret appears in exactly two responses: creation and rotation.
export type EndpointWithSecret = EndpointView & { secret: string };

@Injectable()
export class WebhookEndpointService {
  private readonly cipher: ColumnCipher;
  private readonly policy: EgressPolicy;

  constructor(
    private readonly db: Db,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly events: WebhookEventRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly delivery: WebhookDeliveryService,
    private readonly changes: ChangeRecorder,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.cipher = new ColumnCipher(config.env.MASTER_KEY);
    this.policy = egressPolicy(config);
  }

  async create(tenant: Tenant, actor: Actor, input: EndpointInput): Promise<EndpointWithSecret> {
    const url = await this.vet(input.url);
    return this.db.transaction(async () => {
      if ((await this.endpoints.count(tenant)) >= MAX_ENDPOINTS_PER_MODE) {
        throw new DomainError('conflict', `A merchant can have at most ${MAX_ENDPOINTS_PER_MODE} webhook endpoints per mode; delete one first`);
      }
      const secret = generateSecret();
      const endpoint = Object.assign(new WebhookEndpointEntity(), {
        id: newId('we'),
        merchantId: tenant.merchantId,
        livemode: tenant.livemode,
        url,
        description: input.description ?? null,
        eventTypes: normaliseTypes(input.eventTypes),
        status: 'enabled',
        disabledReason: null,
        disabledAt: null,
        previousSecretEnc: null,
        previousSecretExpiresAt: null,
        failingSince: null,
        lastFailureNoticeAt: null,
        deletedAt: null,
      });
      endpoint.secretEnc = this.cipher.encrypt(secret, secretContext(endpoint, 'secret_enc'));
      const saved = await this.endpoints.save(endpoint);
      const view = endpointView(saved, this.clock.now());
      await this.audit(tenant, actor, 'webhook_endpoint.create', saved.id, view, null, auditable(view));
      return { ...view, secret };
    });
  }

  list(tenant: Tenant, query: PageQuery): Promise<Page<WebhookEndpointEntity>> {
    return this.endpoints.list(tenant, query);
  }

  async get(tenant: Tenant, id: string): Promise<EndpointView> {
    return endpointView(await this.endpoints.getById(tenant, id), this.clock.now());
  }

  async update(tenant: Tenant, actor: Actor, id: string, changes: EndpointChanges): Promise<EndpointView> {
    const url = changes.url !== undefined ? await this.vet(changes.url) : undefined;
    return this.db.transaction(async () => {
      const endpoint = await this.endpoints.getForUpdate(tenant, id);
      const now = this.clock.now();
      const before = endpointView(endpoint, now);
      if (url !== undefined) endpoint.url = url;
      if (changes.description !== undefined) endpoint.description = changes.description;
      if (changes.eventTypes !== undefined) endpoint.eventTypes = normaliseTypes(changes.eventTypes);
      if (changes.enabled === true && endpoint.status !== 'enabled') {
        Object.assign(endpoint, { status: 'enabled', disabledReason: null, disabledAt: null, failingSince: null });
      } else if (changes.enabled === false && endpoint.status !== 'disabled') {
        Object.assign(endpoint, { status: 'disabled', disabledReason: 'merchant', disabledAt: now });
      }
      const saved = await this.endpoints.save(endpoint);
      const after = endpointView(saved, now);
      const changed = diff(auditable(before), auditable(after));
      if (Object.keys(changed.after).length) await this.audit(tenant, actor, 'webhook_endpoint.update', id, after, changed.before, changed.after);
      return after;
    });
  }

  // Soft delete: the delivery log stays readable; pending deliveries stop.
  async delete(tenant: Tenant, actor: Actor, id: string): Promise<{ id: string; object: 'webhook_endpoint'; deleted: true }> {
    return this.db.transaction(async () => {
      const endpoint = await this.endpoints.getForUpdate(tenant, id);
      const now = this.clock.now();
      const before = endpointView(endpoint, now);
      endpoint.deletedAt = now;
      await this.endpoints.save(endpoint);
      await this.deliveries.failPendingForEndpoint(id, 'endpoint_deleted', now);
      await this.audit(tenant, actor, 'webhook_endpoint.delete', id, before, auditable(before), null);
      return { id, object: 'webhook_endpoint' as const, deleted: true as const };
    });
  }

  // The new secret signs from now on; the old one keeps signing too (a second v1 entry) for 24 h,
  // so receivers can switch without dropping deliveries. Rotating again ends an overlap early.
  async rotateSecret(tenant: Tenant, actor: Actor, id: string): Promise<EndpointWithSecret> {
    return this.db.transaction(async () => {
      const endpoint = await this.endpoints.getForUpdate(tenant, id);
      const now = this.clock.now();
      const current = this.cipher.decrypt(endpoint.secretEnc, secretContext(endpoint, 'secret_enc'));
      const secret = generateSecret();
      endpoint.previousSecretEnc = this.cipher.encrypt(current, secretContext(endpoint, 'previous_secret_enc'));
      endpoint.previousSecretExpiresAt = new Date(now.getTime() + ROTATION_OVERLAP_MS);
      endpoint.secretEnc = this.cipher.encrypt(secret, secretContext(endpoint, 'secret_enc'));
      const saved = await this.endpoints.save(endpoint);
      const view = endpointView(saved, now);
      await this.audit(tenant, actor, 'webhook_endpoint.rotate_secret', id, view, null, { previousSecretExpiresAt: view.previousSecretExpiresAt });
      return { ...view, secret };
    });
  }

  // A `webhook.test` event for this endpoint only (whatever its filter), attempted once.
  async sendTest(tenant: Tenant, actor: Actor, id: string): Promise<DeliveryView> {
    return this.delivery.withDeliveries(async () => {
      const endpoint = await this.endpoints.getById(tenant, id);
      if (endpoint.status !== 'enabled') throw new DomainError('conflict', `Webhook endpoint ${id} is disabled; enable it first`);
      const now = this.clock.now();
      const event = await this.events.insertDispatched(
        tenant,
        TEST_EVENT_TYPE,
        {
          object: { object: 'webhook_test', endpointId: endpoint.id, message: 'A test event sent from Billfold. It changes nothing.' },
          initiated_by: actor.initiator,
          changes: null,
        },
        now,
      );
      const deliveries = await this.delivery.create([
        { merchantId: tenant.merchantId, livemode: tenant.livemode, eventId: event.id, endpointId: endpoint.id, trigger: 'test', maxAttempts: 1, nextAttemptAt: now },
      ]);
      await this.audit(tenant, actor, 'webhook_endpoint.test', id, { id, eventId: event.id }, null, { eventId: event.id, deliveryId: deliveries[0].id });
      return { result: deliveryView(deliveries[0]), deliveries };
    });
  }

  private async vet(raw: string): Promise<string> {
    try {
      return (await vetUrl(raw, this.policy)).url.toString();
    } catch (err) {
      if (err instanceof EgressRefusedError) throw new ValidationError(`Invalid url: ${err.message}`, [{ path: 'url', message: err.message, code: err.reason }]);
      throw err;
    }
  }

  private audit(tenant: Tenant, actor: Actor, action: string, id: string, object: Record<string, unknown>, before: Record<string, unknown> | null, after: Record<string, unknown> | null): Promise<void> {
    return this.changes.record(tenant, actor, { action, eventType: null, targetType: 'webhook_endpoint', targetId: id, object, before, after });
  }
}

function normaliseTypes(types: string[] | undefined): string[] {
  return [...new Set(types ?? [])].sort();
}

// What an audit row may show of an endpoint: never a secret (views never hold one), no timestamps.
function auditable(view: EndpointView): Record<string, unknown> {
  const { url, description, eventTypes, status, disabledReason } = view;
  return { url, description, eventTypes, status, disabledReason };
}
