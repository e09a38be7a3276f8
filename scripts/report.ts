import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { allPages, JobQueries } from '../cli/queries.js';
import type { ReportInput } from '../cli/report/model.js';
import { renderReport } from '../cli/report/render.js';
import { variableOf } from '../lambdas/contract/settings.js';
import type { HistoryRecord } from '../lambdas/core/history.js';
import { formatJobKey } from '../lambdas/core/job-key.js';
import type { CurrentJob } from '../lambdas/core/recording.js';
import { isServiceId, SERVICE_IDS, type ServiceId } from '../lambdas/core/service-id.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { parseTime, UsageError } from './cli.js';

/** `npm run report`: the aggregator's history as one self-contained HTML page (cli/report). */

/** The functions' own table variable, the default for --table. */
const TABLE_VARIABLE = variableOf('tableName');

export const USAGE = `Usage: npm run report -- [flags]      (or: npx tsx scripts/report.ts [flags])

Turns the jobs table's history into one self-contained HTML page: a timeline of every job (one lane per
job, coloured by status, grouped by service), counts by status, the slowest and the failed jobs.

Where the history is:
  --table NAME       the jobs table (default: $${TABLE_VARIABLE}; jobs-local with --data-dir)
  --region REGION    its region (default: $AWS_REGION, or us-east-1 locally)
  --endpoint URL     a DynamoDB Local endpoint, e.g. the one npm start prints
  --data-dir DIR     the data npm start kept with --data-dir (starts DynamoDB Local on it for the report)

What to show:
  --since T          start of the window: an ISO time or 30m, 24h, 7d, 2w back from now (default 7d)
  --until T          end of the window (default: now)
  --service S        one service only (${SERVICE_IDS.join(', ')})
  --title TEXT       the page title
  --max-lanes N      draw at most N job lanes (default 400)

  --out FILE         where to write it (default reports/report.html)
  -h, --help         this text`;

export interface ReportIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  now?(): Date;
}

const OPTIONS = {
  table: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  'data-dir': { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  service: { type: 'string' },
  title: { type: 'string' },
  'max-lanes': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(argv: readonly string[], io: ReportIo = processIo()): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const now = io.now?.() ?? new Date();
    const since = parseTime(values.since ?? '7d', now, '--since');
    const until = values.until === undefined ? undefined : parseTime(values.until, now, '--until');
    const service = values.service;
    if (service !== undefined && !isServiceId(service)) {
      throw new UsageError(`Unknown service "${service}"; one of ${SERVICE_IDS.join(', ')}`);
    }
    if (values['data-dir'] !== undefined && values.endpoint !== undefined) {
      throw new UsageError('--data-dir starts its own DynamoDB Local: leave out --endpoint');
    }
    const maxLanes = values['max-lanes'] === undefined ? undefined : Number(values['max-lanes']);
    if (maxLanes !== undefined && !(Number.isInteger(maxLanes) && maxLanes > 0)) {
      throw new UsageError('--max-lanes must be a whole number above 0');
    }
    const table =
      values.table ?? io.env[TABLE_VARIABLE] ?? (values['data-dir'] !== undefined ? 'jobs-local' : undefined);
    if (!table)
      throw new UsageError(`Which table? Pass --table NAME (or --data-dir DIR), or set ${TABLE_VARIABLE}`);

    const local =
      values['data-dir'] === undefined
        ? undefined
        : await startDynamoDbLocal({ dbPath: resolve(values['data-dir']) });
    const endpoint = local?.endpoint ?? values.endpoint;
    const client = new DynamoDBClient(clientConfig(endpoint, values.region, io.env));
    try {
      const queries = new JobQueries({ client, tableName: table });
      const region = await client.config.region();
      const input = await loadReportInput(queries, {
        since,
        ...(until && { until }),
        ...(service !== undefined && { service }),
        now,
        source: endpoint ? `table ${table} at ${endpoint}` : `table ${table} in ${region}`,
        ...(values.title !== undefined && { title: values.title }),
        ...(maxLanes !== undefined && { maxLanes }),
      });
      const out = resolve(values.out ?? 'reports/report.html');
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, renderReport(input));
      const changes = input.history.filter((record) => record.kind === 'transition').length;
      io.stdout(
        `Wrote ${out}: ${input.jobs.length} jobs, ${changes} status changes since ${since.toISOString()}\n`,
      );
      return 0;
    } finally {
      client.destroy();
      await local?.stop();
    }
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      io.stderr(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    io.stderr(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    return 1;
  }
}

export interface LoadOptions {
  readonly since: Date;
  readonly until?: Date;
  readonly service?: ServiceId;
  readonly now: Date;
  readonly source: string;
  readonly title?: string;
  readonly maxLanes?: number;
}

/**
 * The report's data through the store's read side: the transitions and stalls of the window
 * (`ChangesByTime`), the current state of each job they touch, and the jobs still running.
 */
export async function loadReportInput(queries: JobQueries, options: LoadOptions): Promise<ReportInput> {
  const history: HistoryRecord[] = [];
  for (const kind of ['transition', 'stall'] as const) {
    const window = {
      since: options.since,
      kind,
      ...(options.until && { until: options.until }),
      ...(options.service && { service: options.service }),
    };
    for await (const record of allPages((page) => queries.changes({ ...window, ...page })))
      history.push(record);
  }
  const jobs = new Map<string, CurrentJob>();
  for await (const job of allPages((page) =>
    queries.running({ ...(options.service && { service: options.service }), ...page }),
  )) {
    jobs.set(formatJobKey(job.snapshot.key), job);
  }
  const keys = [...new Set(history.map((record) => formatJobKey(record.key)))].filter(
    (key) => !jobs.has(key),
  );
  const limit = pLimit(8);
  await Promise.all(
    keys.map((key) =>
      limit(async () => {
        const job = await queries.job(key);
        if (job) jobs.set(key, job);
      }),
    ),
  );
  return {
    generatedAt: options.until ?? options.now,
    since: options.since,
    source: options.source,
    history,
    jobs: [...jobs.values()],
    ...(options.title !== undefined && { title: options.title }),
    ...(options.maxLanes !== undefined && { maxLanes: options.maxLanes }),
  };
}

/** The same rule as the query CLI: DynamoDB Local gets throwaway keys unless the shell has credentials. */
function clientConfig(
  endpoint: string | undefined,
  region: string | undefined,
  env: NodeJS.ProcessEnv,
): DynamoDBClientConfig {
  const resolvedRegion =
    region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (endpoint ? 'us-east-1' : undefined);
  const local = endpoint !== undefined && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE;
  return {
    ...(resolvedRegion && { region: resolvedRegion }),
    ...(endpoint && { endpoint }),
    ...(local && { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}

function processIo(): ReportIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
