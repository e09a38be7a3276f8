import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import Table from 'cli-table3';
import { allPages, JobQueries, type Page } from '../cli/queries.js';
import { variableOf } from '../lambdas/contract/settings.js';
import { JOBS_TABLE_OUTPUT_NAME } from '../lambdas/contract/table-schema.js';
import type { HistoryRecord } from '../lambdas/core/history.js';
import { formatJobKey, parseJobKey } from '../lambdas/core/job-key.js';
import type { CurrentJob } from '../lambdas/core/recording.js';
import { isServiceId, SERVICE_IDS, type ServiceId } from '../lambdas/core/service-id.js';
import type { Counters } from '../lambdas/core/snapshot.js';
import { isJobStatus, JOB_STATUSES, type JobStatus } from '../lambdas/core/status.js';
import { parseTime, UsageError } from './cli.js';

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  /** The clock for relative times (`--since 7d`). */
  now?(): Date;
}

/** The functions' own table variable, the default for --table. */
const TABLE_VARIABLE = variableOf('tableName');

export const USAGE = `Usage: npx tsx scripts/jobs.ts <command> [arguments] [flags]

Commands:
  get <jobKey>                          the current state of one job
  history <jobKey> [--newest-first]     its history, oldest first unless --newest-first
  running [--service S]                 jobs not in a final state
  changes --since <ISO|7d|24h|30m> [--until <ISO|...>] [--service S] [--status S] [--kind K]
                                        status changes in a time window (kind: transition, stall, progress)
  status <STATUS> [--service S]         jobs currently in one normalized status

A job key is service/region/account/scope/jobId as the other commands print it, e.g.
  healthlake/us-east-1/123456789012/<datastoreId>/<jobId>

Flags:
  --table NAME       the jobs table (default: $${TABLE_VARIABLE})
  --stack NAME       read the table name from the stack output ${JOBS_TABLE_OUTPUT_NAME}
                     (needs @aws-sdk/client-cloudformation installed)
  --endpoint URL     a local DynamoDB endpoint, e.g. http://127.0.0.1:8000
  --region REGION    AWS region (default: $AWS_REGION, or us-east-1 with --endpoint)
  --limit N          one page of at most N items (prints the cursor of the next page)
  --cursor C         continue after a previous page
  --newest-first     newest first (history, changes, status, running)
  --json             JSON for scripts instead of a table
  -h, --help         this text

Statuses: ${JOB_STATUSES.join(', ')}
Services: ${SERVICE_IDS.join(', ')}`;

const OPTIONS = {
  table: { type: 'string' },
  stack: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  service: { type: 'string' },
  status: { type: 'string' },
  kind: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  'newest-first': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parse>['values'];

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}

/** Runs one CLI command; returns the exit code (0 ok, 1 failure or not found, 2 usage error). */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr(`${errorMessage(error)}\n\n${USAGE}\n`);
    return 2;
  }
  const { values: flags, positionals } = parsed;
  const [command, ...args] = positionals;
  if (flags.help || command === undefined || command === 'help') {
    (command === undefined && !flags.help ? io.stderr : io.stdout)(`${USAGE}\n`);
    return command === undefined && !flags.help ? 2 : 0;
  }
  let client: DynamoDBClient | undefined;
  try {
    const clientConfig = dynamoConfig(flags, io.env);
    const tableName = await resolveTableName(flags, io.env, clientConfig);
    client = new DynamoDBClient(clientConfig);
    const queries = new JobQueries({ client, tableName });
    return await run(command, args, flags, queries, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\nRun with --help for usage.\n`);
      return 2;
    }
    io.stderr(`Error: ${errorMessage(error)}\n`);
    return 1;
  } finally {
    client?.destroy();
  }
}

async function run(
  command: string,
  args: readonly string[],
  flags: Flags,
  queries: JobQueries,
  io: CliIo,
): Promise<number> {
  const order = { newestFirst: flags['newest-first'] === true };
  switch (command) {
    case 'get': {
      const key = jobKeyArg(command, args);
      const job = await queries.job(key);
      if (!job) {
        io.stderr(`No job ${key} in table ${queries.tableName}\n`);
        if (flags.json) io.stdout('null\n');
        return 1;
      }
      io.stdout(flags.json ? `${JSON.stringify(job, null, 2)}\n` : `${jobTable(job)}\n`);
      return 0;
    }
    case 'history': {
      const key = jobKeyArg(command, args);
      const page = await collect(flags, (paging) => queries.history(key, { ...order, ...paging }));
      return print(io, flags, page, historyTable, `No history for ${key}`);
    }
    case 'running': {
      noExtraArgs(command, args);
      const service = serviceFlag(flags);
      const page = await collect(flags, (paging) =>
        queries.running({ ...(service && { service }), ...order, ...paging }),
      );
      return print(io, flags, page, jobsTable, 'No running jobs');
    }
    case 'changes': {
      noExtraArgs(command, args);
      if (flags.since === undefined)
        throw new UsageError('changes needs --since (an ISO time, or 7d, 24h, 30m)');
      const now = io.now?.() ?? new Date();
      const since = parseTime(flags.since, now, '--since');
      const until = flags.until === undefined ? undefined : parseTime(flags.until, now, '--until');
      const service = serviceFlag(flags);
      const status = flags.status === undefined ? undefined : statusArg(flags.status);
      const kind = kindFlag(flags.kind);
      const page = await collect(flags, (paging) =>
        queries.changes({
          since,
          ...(until && { until }),
          ...(service && { service }),
          ...(status && { status }),
          ...(kind && { kind }),
          ...order,
          ...paging,
        }),
      );
      return print(io, flags, page, changesTable, 'No changes in that window');
    }
    case 'status': {
      if (args.length !== 1 || args[0] === undefined)
        throw new UsageError('status needs one STATUS argument');
      const status = statusArg(args[0]);
      const service = serviceFlag(flags);
      const page = await collect(flags, (paging) =>
        queries.byStatus(status, { ...(service && { service }), ...order, ...paging }),
      );
      return print(io, flags, page, jobsTable, `No jobs are ${status}`);
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

/** With --limit: one page (and its cursor). Without: every page. */
async function collect<T>(
  flags: Flags,
  fetch: (paging: { limit?: number; cursor?: string }) => Promise<Page<T>>,
): Promise<Page<T>> {
  if (flags.limit === undefined && flags.cursor === undefined) {
    const items: T[] = [];
    for await (const item of allPages((paging) => fetch({ ...paging, limit: 500 }))) items.push(item);
    return { items };
  }
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new UsageError(`--limit must be a whole number ≥ 1, not "${flags.limit}"`);
  }
  return fetch({
    ...(limit !== undefined && { limit }),
    ...(flags.cursor !== undefined && { cursor: flags.cursor }),
  });
}

function print<T>(
  io: CliIo,
  flags: Flags,
  page: Page<T>,
  render: (items: T[]) => string,
  empty: string,
): number {
  if (flags.json) {
    io.stdout(
      `${JSON.stringify({ items: page.items, ...(page.cursor && { nextCursor: page.cursor }) }, null, 2)}\n`,
    );
    return 0;
  }
  io.stdout(page.items.length === 0 ? `${empty}\n` : `${render(page.items)}\n`);
  if (page.cursor) io.stderr(`More: add --cursor ${page.cursor}\n`);
  return 0;
}

// --- tables -------------------------------------------------------------------------------------------------

function newTable(head?: string[]): Table.Table {
  return new Table({
    ...(head && { head }),
    style: { head: [], border: [] },
    wordWrap: true,
  });
}

function jobTable(job: CurrentJob): string {
  const s = job.snapshot;
  const table = newTable();
  const rows: [string, string | undefined][] = [
    ['Job', formatJobKey(s.key)],
    ['Name', s.jobName],
    ['Status', `${s.status} (${s.rawStatus})`],
    ['Status since', job.statusSince],
    ['Last change', job.lastChangeAt],
    ['Last written', job.writtenAt],
    ['Stalled since', job.stalledSince],
    ['Version', String(job.version)],
    ['Submitted', s.submittedAt],
    ['Started', s.startedAt],
    ['Ended', s.endedAt],
    ['Message', s.message],
    ['Progress', counters(s.progress)],
    ['Metrics', counters(s.metrics)],
    [
      'Sources',
      s.sources?.map((source) => `${source.name ?? source.location ?? '?'}: ${source.rawStatus}`).join('\n'),
    ],
    ['Input', s.inputLocation],
    ['Output', s.outputLocation],
    ['Observed', `${s.observedAt} (${s.detail})`],
  ];
  for (const [name, value] of rows) {
    if (value !== undefined && value !== '') table.push({ [name]: value });
  }
  return table.toString();
}

function jobsTable(jobs: CurrentJob[]): string {
  const table = newTable(['Job', 'Status', 'Raw status', 'Since', 'Last change', 'Progress']);
  for (const job of jobs) {
    table.push([
      formatJobKey(job.snapshot.key),
      job.stalledSince ? `${job.snapshot.status} (stalled)` : job.snapshot.status,
      job.snapshot.rawStatus,
      job.statusSince,
      job.lastChangeAt,
      counters(job.snapshot.progress) ?? '',
    ]);
  }
  return table.toString();
}

function historyTable(records: HistoryRecord[]): string {
  const table = newTable(['Version', 'Recorded at', 'Kind', 'Change', 'Message']);
  for (const record of records) {
    table.push([
      String(record.version),
      record.recordedAt,
      record.kind,
      change(record),
      short(record.snapshot.message),
    ]);
  }
  return table.toString();
}

function changesTable(records: HistoryRecord[]): string {
  const table = newTable(['Recorded at', 'Job', 'Kind', 'Change', 'Message']);
  for (const record of records) {
    table.push([
      record.recordedAt,
      formatJobKey(record.key),
      record.kind,
      change(record),
      short(record.snapshot.message),
    ]);
  }
  return table.toString();
}

function change(record: HistoryRecord): string {
  switch (record.kind) {
    case 'transition':
      return `${record.from ? `${record.from.rawStatus} → ` : 'new: '}${record.to.rawStatus} (${record.to.status})`;
    case 'stall':
      return `no change for ${record.stalledForSeconds} s (${record.snapshot.rawStatus})`;
    case 'progress':
      return counters(record.snapshot.progress) ?? record.snapshot.rawStatus;
  }
}

function counters(value: Counters | undefined): string | undefined {
  if (!value) return undefined;
  return Object.entries(value)
    .map(([name, count]) => `${name}=${count}`)
    .join(', ');
}

function short(value: string | undefined, max = 80): string {
  if (!value) return '';
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

// --- arguments ----------------------------------------------------------------------------------------------

function jobKeyArg(command: string, args: readonly string[]): string {
  if (args.length !== 1 || args[0] === undefined) throw new UsageError(`${command} needs one job key`);
  try {
    return formatJobKey(parseJobKey(args[0]));
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

function noExtraArgs(command: string, args: readonly string[]): void {
  if (args.length > 0) throw new UsageError(`${command} takes no arguments, got "${args.join(' ')}"`);
}

function serviceFlag(flags: Flags): ServiceId | undefined {
  if (flags.service === undefined) return undefined;
  if (!isServiceId(flags.service)) {
    throw new UsageError(`Unknown service "${flags.service}"; one of ${SERVICE_IDS.join(', ')}`);
  }
  return flags.service;
}

function statusArg(value: string): JobStatus {
  const status = value.toUpperCase();
  if (!isJobStatus(status))
    throw new UsageError(`Unknown status "${value}"; one of ${JOB_STATUSES.join(', ')}`);
  return status;
}

function kindFlag(value: string | undefined): HistoryRecord['kind'] | undefined {
  if (value === undefined) return undefined;
  if (value === 'transition' || value === 'stall' || value === 'progress') return value;
  throw new UsageError(`Unknown kind "${value}"; one of transition, stall, progress`);
}

// --- configuration ------------------------------------------------------------------------------------------

function dynamoConfig(flags: Flags, env: NodeJS.ProcessEnv): DynamoDBClientConfig {
  const region =
    flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (flags.endpoint ? 'us-east-1' : undefined);
  return {
    ...(region && { region }),
    ...(flags.endpoint && { endpoint: flags.endpoint, credentials: localCredentials(env) }),
  };
}

/**
 * Credentials for a local endpoint. DynamoDB Local keeps one database per access key id and region (unless
 * started with -sharedDb), so the CLI must use the same key as the writer: the environment's, else "local"
 * (what `localClientConfig` uses too).
 */
function localCredentials(env: NodeJS.ProcessEnv): {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
} {
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'local',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'local',
    ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
  };
}

async function resolveTableName(
  flags: Flags,
  env: NodeJS.ProcessEnv,
  config: DynamoDBClientConfig,
): Promise<string> {
  if (flags.table) return flags.table;
  if (flags.stack) return tableFromStack(flags.stack, config);
  const fromEnv = env[TABLE_VARIABLE];
  if (fromEnv) return fromEnv;
  throw new UsageError(`Which table? Pass --table NAME or --stack NAME, or set ${TABLE_VARIABLE}`);
}

/** The `JobsTableName` output of a deployed stack. */
async function tableFromStack(stackName: string, config: DynamoDBClientConfig): Promise<string> {
  const client = new CloudFormationClient(config.region ? { region: config.region } : {});
  try {
    const response = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const output = response.Stacks?.[0]?.Outputs?.find((entry) => entry.OutputKey === JOBS_TABLE_OUTPUT_NAME);
    if (!output?.OutputValue)
      throw new UsageError(`Stack ${stackName} has no output ${JOBS_TABLE_OUTPUT_NAME}`);
    return output.OutputValue;
  } finally {
    client.destroy();
  }
}

function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
