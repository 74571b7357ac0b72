import { describeSuite } from './suite-run.ts';

// The fault schedules of odd index, the bad inputs and the nights of unreadable usage (suite-run.ts), beside suite.test.ts.
describeSuite(1);
