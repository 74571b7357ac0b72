import { describeSoak } from './soak-run.ts';

// The first 30 of the soak's 60 nights (soak-run.ts); SOAK_SEED and SOAK_ROTATIONS replay or lengthen it.
describeSoak(Number(process.env.SOAK_SEED ?? 2026), Number(process.env.SOAK_ROTATIONS ?? 30));
