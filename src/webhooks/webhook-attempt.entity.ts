import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AttemptOutcome = 'delivered' | 'retry' | 'failed' | 'endpoint_disabled';

// The delivery log: one row per request made. The primary key (delivery, attempt) is what makes
// "exactly one attempt per scheduled slot" hold when two workers race. Never holds secrets,
// signatures or request headers: the host, the status, the latency and a short excerpt only.
@Entity('webhook_attempt')
export class WebhookAttemptEntity {
  @PrimaryColumn('text', { name: 'delivery_id' }) deliveryId!: string;
  @PrimaryColumn('int') attempt!: number;
  @Column('text', { name: 'merchant_id' }) merchantId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('text', { name: 'event_id' }) eventId!: string;
  @Column('text', { name: 'endpoint_id' }) endpointId!: string;
  @Column('timestamptz', { name: 'attempted_at' }) attemptedAt!: Date;
  @Column('text', { name: 'url_host' }) urlHost!: string;
  @Column('int', { name: 'response_status', nullable: true }) responseStatus!: number | null;
  @Column('int', { name: 'latency_ms' }) latencyMs!: number;
  @Column('text', { name: 'response_excerpt', nullable: true }) responseExcerpt!: string | null;
  @Column('text', { name: 'error_class', nullable: true }) errorClass!: string | null;
  @Column('text') outcome!: AttemptOutcome;
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true }) nextAttemptAt!: Date | null;
}
