import { describeSoak } from './soak-run.ts';

// The other 100 of the soak's 200 nights, from another seed, beside the first (soak-run.ts).
describeSoak(2027, 100);
