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
      () => this.chains(),
    ]);
  }

  // A chain halted after a reorg deeper than finality degrades readiness without failing it:
  // the API still serves, but an operator must look.
  private async chains() {
    const halted: { chain_id: number; halt_reason: string }[] = await this.dataSource.query(`SELECT chain_id, halt_reason FROM chain_cursor WHERE halted_at IS NOT NULL`);
    const session = this.indicators.check('chains');
    return halted.length ? session.degraded({ halted: halted.map((h) => ({ chainId: h.chain_id, reason: h.halt_reason })) }) : session.up();
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText() {
    return this.metrics.registry.metrics();
  }
}
