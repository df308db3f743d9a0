import type { ActorType } from '../audit/audit-event.entity';
import type { Initiator } from '../outbox/outbox-event.entity';

// Who is acting, for which merchant and mode. Every repository method takes the tenant first.
export interface Tenant {
  merchantId: string;
  livemode: boolean;
}

export interface Actor {
  type: ActorType;
  id: string;
  initiator: Initiator;
  requestId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

export interface Principal extends Tenant {
  actor: Actor;
  scopes: ReadonlySet<string>;
  apiKeyId: string | null;
}
