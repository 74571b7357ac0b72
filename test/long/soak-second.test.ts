import { describeSoak } from '../reliability/soak-run.ts';

// The other 35 of the soak's 50 nights, from another seed (soak-run.ts): in `npm run test:long`, which CI runs after
// npm test, so that npm test stays within its four minutes on two cores.
describeSoak(2027, 35);
