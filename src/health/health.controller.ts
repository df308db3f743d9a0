import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators';
import { MetricsService } from '../infra/metrics.service';
import { RedisConnection } from '../infra/redis';

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly redis: RedisConnection,
    private readonly metrics: MetricsService,
  ) {}

  // Liveness: the process answers; no dependency is consulted.
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  // Readiness: PostgreSQL and Redis both answer within a second.
  @Get('readyz')
  @HealthCheck()
  readyz() {
    return this.health.check([
      () => this.indicators.check('database').attempt(async () => {
          await this.dataSource.query('SELECT 1');
        }).withTimeout(1000),
      () => this.indicators.check('redis').attempt(async () => {
          await this.redis.client.ping();
        }).withTimeout(1000),
    ]);
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText() {
    return this.metrics.registry.metrics();
  }
}
