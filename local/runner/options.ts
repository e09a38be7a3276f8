import { parseArgs } from 'node:util';
import { serviceFacts } from '../../lambdas/contract/services.js';
import { variableOf } from '../../lambdas/contract/settings.js';
import { isServiceId, SERVICE_IDS, type ServiceId } from '../../lambdas/core/service-id.js';

/** How local mode runs; `parseRunnerArgs` builds it from the command line. */
export interface RunnerOptions {
  /** `simulator`: the five services simulated on this machine. `real`: the user's AWS account. */
  readonly mode: 'simulator' | 'real';
  readonly services: readonly ServiceId[];
  /** Simulator: jobs each service receives over the run. */
  readonly jobsPerService: number;
  /** Simulator: divides job durations and arrival gaps. */
  readonly speed: number;
  readonly seed: number;
  /** Seconds between poll cycles (the stack's schedule, shortened). */
  readonly intervalSeconds: number;
  /** Stop when done: in the simulator, once every job ended and every event is out; else after `cycles`. */
  readonly once: boolean;
  /** Stop after this many cycles. */
  readonly cycles?: number;
  readonly region?: string;
  readonly accountId?: string;
  /** Real mode: a deployed jobs table, instead of DynamoDB Local. */
  readonly table?: string;
  /** The table's name in DynamoDB Local. */
  readonly localTableName: string;
  /** Real mode: publish to this EventBridge bus in the account instead of the local stand-in. */
  readonly bus?: string;
  /** Keep DynamoDB Local's data here (else it lives in memory and ends with the run). */
  readonly dataDir?: string;
  /** DynamoDB Local's port (default: a free one). */
  readonly dynamoPort?: number;
  /** The pollers' stall threshold, in seconds or `off` (the `stallAfterSeconds` setting). */
  readonly stallAfter?: string;
  /** Simulator: member accounts the hub polls (the hub's own first); absent: the one local account. */
  readonly accounts?: number;
  /** Simulator: regions in each account (the local region first); absent: the local region alone. */
  readonly regions?: number;
  /** Simulator: chance per service and cycle that a call is throttled once. */
  readonly throttleRate: number;
  /** Simulator: share of PutEvents entries the stand-in refuses with ThrottlingException. */
  readonly eventFailureRate: number;
  /** `--once`: give up (exit 1) after this many seconds. */
  readonly timeoutSeconds: number;
  /** Start over: delete the local table's previous content. */
  readonly reset: boolean;
  /** The handlers' own JSON logs on stdout (turns the live view off). */
  readonly verbose: boolean;
  /** Line output instead of the live view. */
  readonly plain: boolean;
  /** Only serve DynamoDB Local on `dataDir`, for the query CLI and the report. */
  readonly serve: boolean;
}

/** The regions `--regions` takes, the local region first. */
export const SIMULATED_REGIONS = ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'] as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: npm start -- [flags]        (or: npx tsx scripts/start.ts [flags])

The aggregator on this machine: DynamoDB Local, a simulator of the five services, a stand-in for
EventBridge, and the deployed handler code polling on a schedule of a few seconds.

Simulator:
  --jobs N              jobs per service over the run (default 8)
  --speed X             job speed: 2 runs every job twice as fast (default 1)
  --seed N              the run's seed: the same seed replays the same jobs (default: random, printed)
  --services a,b        services to run (default: all five)
  --throttle-rate P     chance per service and cycle of one throttled call (default 0.05; 0 for none)
  --event-failure-rate P  share of events the stand-in refuses once with ThrottlingException (default 0.02)
  --accounts N          simulate N accounts (the hub's own and N-1 members, each role assumed through a
                        local STS), polled as a hub polls its targets (default 1)
  --regions N           simulate N regions in each account (default 1)

Running:
  --interval S          seconds between poll cycles (default 2)
  --once                run until every job ended and every event is delivered, print the summary, exit
                        (with --real: one cycle, or --cycles)
  --cycles N            stop after N poll cycles
  --timeout S           with --once: give up after S seconds (default 600)
  --stall-after V       ${variableOf('stallAfterSeconds')} for the pollers (default: 24 cycles at speed 1; "off" for none)
  --plain               one line per change instead of the live view (the default when not a terminal)
  --verbose             also print the handlers' own JSON logs (implies --plain)

Storage:
  --data-dir DIR        keep DynamoDB Local's data in DIR, for the query CLI and the report afterwards
  --port N              DynamoDB Local's port (default: a free port)
  --reset               with --data-dir: delete the previous run's table first
  --serve               with --data-dir: only serve that data (for job-status and npm run report)

Your AWS account (no simulator; your credentials and region; see docs/local-mode.md):
  --real                poll the real services of your account
  --region R            the region to poll (default: $AWS_REGION)
  --account ID          your account id, used in job keys (default: from your credentials or $AWS_ACCOUNT_ID)
  --table NAME          keep history in your deployed jobs table instead of DynamoDB Local
  --bus NAME            publish events to this bus of your account instead of the local stand-in

  -h, --help            this text

Services: ${SERVICE_IDS.join(', ')}`;

const OPTIONS = {
  jobs: { type: 'string' },
  speed: { type: 'string' },
  seed: { type: 'string' },
  services: { type: 'string' },
  'throttle-rate': { type: 'string' },
  'event-failure-rate': { type: 'string' },
  accounts: { type: 'string' },
  regions: { type: 'string' },
  interval: { type: 'string' },
  once: { type: 'boolean' },
  cycles: { type: 'string' },
  timeout: { type: 'string' },
  'stall-after': { type: 'string' },
  plain: { type: 'boolean' },
  verbose: { type: 'boolean' },
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  reset: { type: 'boolean' },
  serve: { type: 'boolean' },
  real: { type: 'boolean' },
  region: { type: 'string' },
  account: { type: 'string' },
  table: { type: 'string' },
  bus: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type ParsedArgs = { readonly help: true } | { readonly help: false; readonly options: RunnerOptions };

/** The runner's options from the command line; throws `UsageError` with the reason when they are wrong. */
export function parseRunnerArgs(argv: readonly string[], random: () => number = Math.random): ParsedArgs {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return { help: true };

  const real = values.real ?? false;
  if (!real) {
    for (const flag of ['table', 'bus', 'account'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} belongs to --real (your AWS account)`);
    }
  } else {
    for (const flag of [
      'jobs',
      'speed',
      'seed',
      'throttle-rate',
      'event-failure-rate',
      'accounts',
      'regions',
    ] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is for the simulator; --real has none`);
    }
    if (values.table !== undefined && values.bus !== undefined) {
      throw new UsageError(
        "--bus works with the local table only: with --table, your deployed stack's publisher sends that table's events",
      );
    }
    if (values.table !== undefined && values['data-dir'] !== undefined) {
      throw new UsageError('--data-dir is for DynamoDB Local; --table keeps history in your deployed table');
    }
  }
  if ((values.serve || values.reset) && values['data-dir'] === undefined) {
    throw new UsageError(`--${values.serve ? 'serve' : 'reset'} needs --data-dir`);
  }
  const verbose = values.verbose ?? false;
  const cycles = optionalNumber(values.cycles, '--cycles', { integer: true, min: 1 });
  const accountId = values.account;
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) {
    throw new UsageError(`--account must be a 12-digit account id, got "${accountId}"`);
  }
  return {
    help: false,
    options: {
      mode: real ? 'real' : 'simulator',
      services: parseServices(values.services, real),
      jobsPerService: optionalNumber(values.jobs, '--jobs', { integer: true, min: 0 }) ?? 8,
      speed: optionalNumber(values.speed, '--speed', { min: 0.01, exclusiveMin: true }) ?? 1,
      seed:
        optionalNumber(values.seed, '--seed', { integer: true, min: 0 }) ?? Math.floor(random() * 1_000_000),
      intervalSeconds: optionalNumber(values.interval, '--interval', { min: 0.1 }) ?? 2,
      once: values.once ?? false,
      ...(cycles !== undefined && { cycles }),
      ...(values.accounts !== undefined && {
        accounts: optionalNumber(values.accounts, '--accounts', { integer: true, min: 1, max: 20 }) as number,
      }),
      ...(values.regions !== undefined && {
        regions: optionalNumber(values.regions, '--regions', {
          integer: true,
          min: 1,
          max: SIMULATED_REGIONS.length,
        }) as number,
      }),
      ...(values.region !== undefined && { region: values.region }),
      ...(accountId !== undefined && { accountId }),
      ...(values.table !== undefined && { table: values.table }),
      localTableName: 'jobs-local',
      ...(values.bus !== undefined && { bus: values.bus }),
      ...(values['data-dir'] !== undefined && { dataDir: values['data-dir'] }),
      ...(values.port !== undefined && {
        dynamoPort: optionalNumber(values.port, '--port', { integer: true, min: 1 }) as number,
      }),
      ...(values['stall-after'] !== undefined && { stallAfter: values['stall-after'] }),
      throttleRate: optionalNumber(values['throttle-rate'], '--throttle-rate', { min: 0, max: 1 }) ?? 0.05,
      eventFailureRate:
        optionalNumber(values['event-failure-rate'], '--event-failure-rate', { min: 0, max: 0.9 }) ?? 0.02,
      timeoutSeconds: optionalNumber(values.timeout, '--timeout', { min: 1 }) ?? 600,
      reset: values.reset ?? false,
      verbose,
      plain: (values.plain ?? false) || verbose,
      serve: values.serve ?? false,
    },
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true });
}

function parseServices(raw: string | undefined, real: boolean): ServiceId[] {
  if (raw === undefined) {
    // The account default follows the stack's: Panorama only when asked for (AWS ended its support).
    return real ? SERVICE_IDS.filter((service) => serviceFacts(service).enabledByDefault) : [...SERVICE_IDS];
  }
  const services = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (services.length === 0) throw new UsageError('--services needs at least one service');
  for (const service of services) {
    if (!isServiceId(service)) {
      throw new UsageError(`Unknown service "${service}"; one of ${SERVICE_IDS.join(', ')}`);
    }
  }
  return [...new Set(services as ServiceId[])];
}

function optionalNumber(
  raw: string | undefined,
  flag: string,
  rule: { integer?: boolean; min?: number; max?: number; exclusiveMin?: boolean },
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const tooSmall =
    rule.min !== undefined && (rule.exclusiveMin ? !(value > 0 && value >= rule.min) : value < rule.min);
  if (
    raw.trim() === '' ||
    !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value)) ||
    tooSmall ||
    (rule.max !== undefined && value > rule.max)
  ) {
    const range = [
      rule.integer ? 'a whole number' : 'a number',
      rule.min !== undefined ? `≥ ${rule.min}` : '',
      rule.max !== undefined ? `≤ ${rule.max}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    throw new UsageError(`${flag} must be ${range}, got "${raw}"`);
  }
  return value;
}
