import fc from 'fast-check';

// Under Stryker every property test runs once per mutant, instrumented: fewer runs still kill what they kill.
fc.configureGlobal({ numRuns: 40 });
