import 'reflect-metadata';
import { createApp } from './app';
import { loadEnv } from './config/env';

export async function startApi(): Promise<void> {
  const env = loadEnv();
  const app = await createApp({ env });
  await app.listen({ port: env.PORT, host: env.HOST });
}

if (require.main === module) {
  startApi().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
