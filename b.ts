import { measureDistribution } from '/work/main/bench/distribution.ts';

process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'b';
process.env.AWS_SECRET_ACCESS_KEY = 'b';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
console.log(JSON.stringify(await measureDistribution(), null, 1));
