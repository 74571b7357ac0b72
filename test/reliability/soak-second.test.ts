import { describeSoak } from './soak-run.ts';

// The other 75 of the soak's 150 nights, from another seed, beside the first (soak-run.ts).
describeSoak(2027, 75);
