import type { StartTarget } from './options';

// `all` runs the API and the worker in one process (small installs, the demo); both register
// shutdown hooks, so SIGINT/SIGTERM closes them gracefully.
export async function startCommand(target: StartTarget): Promise<void> {
  if (target === 'api' || target === 'all') {
    const { startApi } = await import('../main');
    await startApi();
  }
  if (target === 'worker' || target === 'all') {
    const { startWorker } = await import('../worker');
    await startWorker();
  }
}
