import { describeSoak } from './soak-run.ts';

// The other 60 of the soak's 120 nights, from another seed, beside the first (soak-run.ts).
describeSoak(2027, 60);
