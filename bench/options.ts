import { parseArgs } from 'node:util';
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
  /** The many-target case instead: this many account-regions of one service (HealthLake). */
  readonly targets?: number;
  /** Active jobs per target in the many-target case. */
  readonly targetJobs?: number;
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
  --targets 50             the many-target case instead: a hub's HealthLake poller over 50 account-regions
  --target-jobs 1000       active jobs per target in the many-target case
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

const FLAGS = {
  sizes: { type: 'string' },
  services: { type: 'string' },
  'change-rate': { type: 'string' },
  'finished-ratio': { type: 'string' },
  'latency-ms': { type: 'string' },
  cycles: { type: 'string' },
  'wall-rate': { type: 'string' },
  'naive-wall-rate': { type: 'string' },
  'max-runs': { type: 'string' },
  'no-naive': { type: 'boolean' },
  'naive-finished-max': { type: 'string' },
  'no-bundles': { type: 'boolean' },
  quick: { type: 'boolean' },
  targets: { type: 'string' },
  'target-jobs': { type: 'string' },
  seed: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parseFlags>['values'];

/** The benchmark's options from the command line; a repeated flag takes its last value. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values: flags, tokens } = parsed;
  if (flags.help) throw new UsageError('');
  return {
    ...DEFAULTS,
    sizes: sizesOf(flags, lastOf(tokens, ['sizes', 'quick'])),
    services: flags.services === undefined ? DEFAULTS.services : servicesOf(flags.services),
    changeRate: number(flags, 'change-rate', fraction) ?? DEFAULTS.changeRate,
    finishedRatio: number(flags, 'finished-ratio', nonNegative) ?? DEFAULTS.finishedRatio,
    latencyMs: number(flags, 'latency-ms', nonNegative) ?? DEFAULTS.latencyMs,
    cycles: number(flags, 'cycles', positiveInt) ?? DEFAULTS.cycles,
    // A rate of 0 would never let a call through: it stands for the slowest rate, 1.
    wallRate: (number(flags, 'wall-rate', nonNegative) ?? DEFAULTS.wallRate) || 1,
    naiveWallRate: (number(flags, 'naive-wall-rate', nonNegative) ?? DEFAULTS.naiveWallRate) || 1,
    maxRuns: number(flags, 'max-runs', positiveInt) ?? DEFAULTS.maxRuns,
    naive: !flags['no-naive'],
    naiveFinishedMaxSize: number(flags, 'naive-finished-max', positiveInt) ?? DEFAULTS.naiveFinishedMaxSize,
    bundles: !flags['no-bundles'],
    seed: number(flags, 'seed', positiveInt) ?? DEFAULTS.seed,
    verbose: flags.verbose ?? false,
    ...(flags.targets !== undefined && { targets: positiveInt('--targets', flags.targets) }),
    ...(flags['target-jobs'] !== undefined && {
      targetJobs: positiveInt('--target-jobs', flags['target-jobs']),
    }),
  };
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: FLAGS, allowPositionals: false, strict: true, tokens: true });
}

/** Which of `names` the command line gave last (`--quick` and `--sizes` override each other in order). */
function lastOf(
  tokens: ReturnType<typeof parseFlags>['tokens'],
  names: readonly string[],
): string | undefined {
  let last: string | undefined;
  for (const token of tokens) if (token.kind === 'option' && names.includes(token.name)) last = token.name;
  return last;
}

function sizesOf(flags: Flags, last: string | undefined): readonly number[] {
  if (last === 'quick') return [100, 1000];
  if (last !== 'sizes' || flags.sizes === undefined) return DEFAULTS.sizes;
  return flags.sizes.split(',').map((size) => positiveInt('--sizes', size.replaceAll('_', '')));
}

function servicesOf(raw: string): ServiceId[] {
  return raw.split(',').map((service) => {
    if (!isServiceId(service)) throw new UsageError(`unknown service ${service}`);
    return service;
  });
}

type NumberFlag = { [K in keyof Flags]-?: Flags[K] extends string | undefined ? K : never }[keyof Flags];

/** A numeric flag's value by `rule`, `undefined` when it is not given. */
function number(
  flags: Flags,
  name: NumberFlag,
  rule: (flag: string, raw: string) => number,
): number | undefined {
  const raw = flags[name];
  return raw === undefined ? undefined : rule(`--${name}`, raw);
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
