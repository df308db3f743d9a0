// Chain scanning jobs: one scheduler per configured chain, each tick processed by one worker at a time.
export const INGEST_QUEUE = 'ingest';
export const TICK_JOB = 'tick';

export interface TickJobData {
  chainId: number;
}

export function tickSchedulerId(chainId: number): string {
  return `tick-${chainId}`;
}

// Claims: verify a customer- or merchant-supplied transaction hash against the chain.
export const CLAIM_QUEUE = 'claim';
export const CLAIM_JOB = 'verify-claim';

export interface ClaimJobData {
  claimId: string;
}

// Per claim: a hash rejected once may be claimed again, and that claim gets its own job.
export function claimJobId(claimId: string): string {
  return `claim-${claimId}`;
}
