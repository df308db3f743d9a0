import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type EntityTarget, type ObjectLiteral, type Repository } from 'typeorm';

// The ambient transaction: a unit of work opened by the idempotency interceptor (or a service)
// is reused by every repository call beneath it, so a change, its audit row, its outbox event
// and the idempotency record commit together.
@Injectable()
export class Db {
  private readonly storage = new AsyncLocalStorage<EntityManager>();

  constructor(readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.storage.getStore() ?? this.dataSource.manager;
  }

  get inTransaction(): boolean {
    return this.storage.getStore() !== undefined;
  }

  repo<T extends ObjectLiteral>(entity: EntityTarget<T>): Repository<T> {
    return this.manager.getRepository(entity);
  }

  async transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const ambient = this.storage.getStore();
    if (ambient) return work(ambient);
    return this.dataSource.transaction((em) => this.storage.run(em, () => work(em)));
  }

  // A savepoint lets one statement fail (a unique-index collision) without aborting the transaction.
  async savepoint<T>(em: EntityManager, name: string, work: () => Promise<T>): Promise<T> {
    await em.query(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      await em.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      await em.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw err;
    }
  }
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e?.code ?? e?.driverError?.code;
  const name = e?.constraint ?? e?.driverError?.constraint;
  return code === '23505' && (constraint === undefined || name === constraint);
}
