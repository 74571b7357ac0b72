import { describeSoak } from './soak-run.ts';

// The other 45 of the soak's 90 nights, from another seed, beside the first (soak-run.ts).
describeSoak(2027, 45);
