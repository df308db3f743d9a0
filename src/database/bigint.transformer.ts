import type { ValueTransformer } from 'typeorm';

// numeric(78,0) comes back from pg as a string; money stays bigint in base units end to end.
export const bigintTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) => (value === null || value === undefined ? value : value.toString()),
  from: (value: string | null) => (value === null ? null : BigInt(value)),
};
