import { describeSoak } from './soak-run.ts';

// The first 15 of the soak's 50 nights (soak-run.ts), in npm test; SOAK_SEED and SOAK_ROTATIONS replay or lengthen it.
describeSoak(Number(process.env.SOAK_SEED ?? 2026), Number(process.env.SOAK_ROTATIONS ?? 15));
