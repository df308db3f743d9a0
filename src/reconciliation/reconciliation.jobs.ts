// Chain scanning jobs: one scheduler per configured chain, each tick processed by one worker at a time.
export const INGEST_QUEUE = 'ingest';
export const TICK_JOB = 'tick';

export interface TickJobData {
  chainId: number;
}

export function tickSchedulerId(chainId: number): string {
  return `tick-${chainId}`;
}
