import { isServiceId, SERVICE_IDS, type ServiceId } from '../lambdas/core/service-id.js';

export interface BenchOptions {
  /** Active (tracked) jobs per service, one benchmark round each. */
  readonly sizes: readonly number[];
  readonly services: readonly ServiceId[];
  /** Share of the active jobs whose status changes each cycle. */
  readonly changeRate: number;
  /** Finished jobs per active job in the second scenario of each size; 0 skips it. */
  readonly finishedRatio: number;
  /** Latency of one service call, in real milliseconds. */
  readonly latencyMs: number;
  /** Measured cycles per scenario. */
  readonly cycles: number;
  /** Calls per wall-clock second of each service's fastest quota bucket (sets each service's speed-up). */
  readonly wallRate: number;
  /** The same for the naive poller, whose timing matters less. */
  readonly naiveWallRate: number;
  /** Invocations one cycle may take when the deadline cuts it short. */
  readonly maxRuns: number;
  readonly naive: boolean;
  /** Largest size at which the naive poller also runs the finished-jobs scenario. */
  readonly naiveFinishedMaxSize: number;
  readonly bundles: boolean;
  readonly seed: number;
  /** Per-service timings on stderr. */
  readonly verbose: boolean;
}

export const USAGE = `npm run bench -- [options]

  --sizes 100,1000,10000   active jobs per service, one round each
  --services a,b           services (default: all five)
  --change-rate 0.05       share of active jobs that change status each cycle
  --finished-ratio 10      finished jobs per active job in each round's second scenario (0: skip it)
  --latency-ms 30          latency of one service call, real milliseconds
  --cycles 1               measured cycles per scenario
  --wall-rate 50           calls per wall second of each service's fastest quota bucket (our speed-up)
  --naive-wall-rate 200    the same for the naive poller
  --max-runs 6             invocations one cycle may take when the Lambda deadline cuts it short
  --no-naive               skip the naive poller
  --naive-finished-max 1000  largest size at which the naive poller also runs with finished jobs
  --no-bundles             skip the bundle sizes and load times
  --quick                  sizes 100,1000 (about a minute)
  --seed 1                 workload seed
  --verbose                per-service timings on stderr
`;

const DEFAULTS: BenchOptions = {
  sizes: [100, 1000, 10000],
  services: SERVICE_IDS,
  changeRate: 0.05,
  finishedRatio: 10,
  latencyMs: 30,
  cycles: 1,
  wallRate: 50,
  naiveWallRate: 200,
  maxRuns: 6,
  naive: true,
  naiveFinishedMaxSize: 1000,
  bundles: true,
  seed: 1,
  verbose: false,
};

export class UsageError extends Error {}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: { -readonly [K in keyof BenchOptions]: BenchOptions[K] } = { ...DEFAULTS };
  const args = [...argv];
  while (args.length > 0) {
    const flag = args.shift() ?? '';
    const value = () => {
      const next = args.shift();
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--sizes':
        options.sizes = value()
          .split(',')
          .map((size) => positiveInt(flag, size.replaceAll('_', '')));
        break;
      case '--services':
        options.services = value()
          .split(',')
          .map((service) => {
            if (!isServiceId(service)) throw new UsageError(`unknown service ${service}`);
            return service;
          });
        break;
      case '--change-rate':
        options.changeRate = fraction(flag, value());
        break;
      case '--finished-ratio':
        options.finishedRatio = nonNegative(flag, value());
        break;
      case '--latency-ms':
        options.latencyMs = nonNegative(flag, value());
        break;
      case '--cycles':
        options.cycles = positiveInt(flag, value());
        break;
      case '--wall-rate':
        options.wallRate = nonNegative(flag, value()) || 1;
        break;
      case '--naive-wall-rate':
        options.naiveWallRate = nonNegative(flag, value()) || 1;
        break;
      case '--max-runs':
        options.maxRuns = positiveInt(flag, value());
        break;
      case '--no-naive':
        options.naive = false;
        break;
      case '--naive-finished-max':
        options.naiveFinishedMaxSize = positiveInt(flag, value());
        break;
      case '--no-bundles':
        options.bundles = false;
        break;
      case '--quick':
        options.sizes = [100, 1000];
        break;
      case '--verbose':
        options.verbose = true;
        break;
      case '--seed':
        options.seed = positiveInt(flag, value());
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return options;
}

function positiveInt(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new UsageError(`${flag}: expected a positive integer`);
  return value;
}

function nonNegative(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`${flag}: expected a number ≥ 0`);
  return value;
}

function fraction(flag: string, raw: string): number {
  const value = nonNegative(flag, raw);
  if (value > 1) throw new UsageError(`${flag}: expected a share between 0 and 1`);
  return value;
}
