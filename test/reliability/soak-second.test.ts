import { describeSoak } from './soak-run.ts';

// The other 30 of the soak's 60 nights, from another seed, beside the first (soak-run.ts).
describeSoak(2027, 30);
