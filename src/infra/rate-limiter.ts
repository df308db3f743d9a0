import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { RedisConnection } from './redis';

export interface RateLimit {
  name: string;
  limit: number;
  windowSeconds: number;
}

// Fixed-window counters in Redis, shared by every API replica.
@Injectable()
export class RateLimiter {
  constructor(private readonly redis: RedisConnection) {}

  async hit(rule: RateLimit, subject: string): Promise<void> {
    const key = this.redis.key('rl', rule.name, subject);
    const results = await this.redis.client.multi().incr(key).expire(key, rule.windowSeconds, 'NX').ttl(key).exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    const ttl = Number(results?.[2]?.[1] ?? rule.windowSeconds);
    if (count > rule.limit) {
      throw new DomainError('rate_limited', 'Too many attempts; retry later', { retryAfterSeconds: Math.max(1, ttl) });
    }
  }

  // Checks without counting, for limits that only count failures.
  async check(rule: RateLimit, subject: string): Promise<void> {
    const key = this.redis.key('rl', rule.name, subject);
    const [count, ttl] = await Promise.all([this.redis.client.get(key), this.redis.client.ttl(key)]);
    if (Number(count ?? 0) >= rule.limit) {
      throw new DomainError('rate_limited', 'Too many attempts; retry later', { retryAfterSeconds: Math.max(1, ttl) });
    }
  }

  async count(rule: RateLimit, subject: string): Promise<void> {
    const key = this.redis.key('rl', rule.name, subject);
    await this.redis.client.multi().incr(key).expire(key, rule.windowSeconds, 'NX').exec();
  }
}
