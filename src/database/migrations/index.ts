import { InitialSchema1763800000000 } from './1763800000000-initial-schema';

// Explicit list: later capabilities append their migrations here.
export const MIGRATIONS = [InitialSchema1763800000000];
