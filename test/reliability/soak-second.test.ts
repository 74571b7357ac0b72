import { describeSoak } from './soak-run.ts';

// The other 25 of the soak's 50 nights, from another seed, beside the first (soak-run.ts).
describeSoak(2027, 25);
