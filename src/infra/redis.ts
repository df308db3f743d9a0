import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';

// One shared command connection for health checks, rate limits and caches (BullMQ opens its own).
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  readonly client: Redis;
  readonly prefix: string;

  constructor(config: AppConfig) {
    this.client = new Redis(config.env.REDIS_URL, { maxRetriesPerRequest: 2 });
    this.prefix = config.env.REDIS_PREFIX;
    // Errors surface through /readyz; an unhandled 'error' event would crash the process.
    this.client.on('error', () => undefined);
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
