import { describeSuite } from './suite-run.ts';

// The fault schedules of even index (suite-run.ts); the other half, bad inputs and unreadable usage: suite-second.test.ts.
describeSuite(0);
