/**
 * A chaos run: the simulated services, the real handlers on DynamoDB Local and its stream, and seeded
 * faults; then the comparison of ground truth with what was recorded and emitted.
 *
 *   npm run chaos -- --seed 7 --cycles 60 --jobs 12 --services healthlake,entityresolution
 *
 * Exits 1 when anything was lost, invented or regressed, a one-job fault failed a whole cycle, a log line
 * held a secret or job content, or an event detail left the contract. Needs Java 17+ (DynamoDB Local).
 */
import { parseArgs } from 'node:util';
import { isServiceId, SERVICE_IDS, type ServiceId } from '../lambdas/core/service-id.js';
import { runChaos } from '../local/chaos/harness.js';
import { LogCapture } from '../local/chaos/log-capture.js';
import { formatReport, verdict } from '../local/chaos/report.js';

const USAGE = `usage: npm run chaos -- [--seed N] [--cycles N] [--jobs N] [--services a,b] [--speed N] [--verbose]
  --seed      seed of the simulation and of the faults (default 1)
  --cycles    ticks with faults; the run ends earlier once every job has finished (default 80)
  --jobs      jobs per service over the run (default 12)
  --services  comma-separated, from ${SERVICE_IDS.join(', ')} (default all five)
  --speed     divides every job duration: higher is shorter (default 1)
  --verbose   print the handlers' log lines as well`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function wholeNumber(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    fail(`--${name} must be a whole number ≥ ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      seed: { type: 'string' },
      cycles: { type: 'string' },
      jobs: { type: 'string' },
      services: { type: 'string' },
      speed: { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const services =
  typeof values.services === 'string' ? values.services.split(',').map((s) => s.trim()) : [...SERVICE_IDS];
for (const service of services)
  if (!isServiceId(service)) fail(`--services: unknown service ${JSON.stringify(service)}`);
const speedRaw = typeof values.speed === 'string' ? Number(values.speed) : 1;
if (!(speedRaw > 0)) fail(`--speed must be above 0, got ${JSON.stringify(values.speed)}`);

const seed = wholeNumber('seed', values.seed as string | undefined, 1, 0);
const cycles = wholeNumber('cycles', values.cycles as string | undefined, 80, 1);
const jobsPerService = wholeNumber('jobs', values.jobs as string | undefined, 12, 1);

const out = process.stdout.write.bind(process.stdout);
const err = process.stderr.write.bind(process.stderr);
// Every log line the handlers print is captured and searched for secrets and job content.
process.env.POWERTOOLS_LOG_LEVEL ??= 'DEBUG';
const capture = new LogCapture({ passThrough: values.verbose === true }).start();
let report: Awaited<ReturnType<typeof runChaos>>;
try {
  report = await runChaos({
    seed,
    cycles,
    jobsPerService,
    services: services as ServiceId[],
    speed: speedRaw,
    capture,
    progress: (line) => err(`${line}\n`),
  });
} finally {
  capture.stop();
}
out(`${formatReport(report)}\n`);
process.exit(verdict(report).length === 0 ? 0 : 1);
