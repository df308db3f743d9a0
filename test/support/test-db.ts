import { Client } from 'pg';

// Each run gets a migrated template database; each jest worker clones it once.
export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function runId(): string {
  const id = process.env.BILLFOLD_TEST_RUN;
  if (!id) throw new Error('BILLFOLD_TEST_RUN is not set: run tests through jest (global-setup)');
  return id;
}

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export function templateDbName(id = runId()): string {
  return `${id}_tpl`;
}

export function workerDbName(id = runId()): string {
  return `${id}_w${process.env.JEST_WORKER_ID ?? '1'}`;
}

export async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const created = new Set<string>();

export async function ensureWorkerDatabase(): Promise<string> {
  const name = workerDbName();
  if (!created.has(name)) {
    await withAdmin(async (client) => {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDbName()}"`);
    });
    created.add(name);
  }
  return databaseUrl(name);
}
