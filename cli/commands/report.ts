import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { positiveInteger, TARGET_OPTIONS } from '../args.js';
import { ParameterError } from '../errors.js';
import type { JobQueries } from '../queries.js';
import { loadReportInput } from '../report/load.js';
import { renderReport } from '../report/render.js';
import { parseSince, parseUntil } from '../times.js';
import type { Command, CommandContext } from './command.js';
import { noExtraArgs, serviceFlag, targetFlags } from './shared.js';

/** The table `npm start --data-dir` keeps. */
const LOCAL_TABLE = 'jobs-local';

export const reportCommand: Command = {
  name: 'report',
  synopsis:
    'report [--since T] [--until T] [--service S] [--account ID] [--job-region R] [--title TEXT] [--max-lanes N] [--out FILE] [--data-dir DIR]',
  summary: 'the history as one self-contained HTML page (default reports/report.html, since 7d)',
  options: ['since', 'until', 'service', ...TARGET_OPTIONS, 'title', 'max-lanes', 'out', 'data-dir'],
  run: async (context) => {
    const { values } = context;
    noExtraArgs(context.name, context.args);
    const since = parseSince(values.since ?? '7d', context.now);
    const until = values.until === undefined ? undefined : parseUntil(values.until, context.now);
    const service = serviceFlag(values);
    const targets = targetFlags(values);
    const maxLanes = positiveInteger(values, 'max-lanes');
    const out = resolve(values.out ?? 'reports/report.html');
    const input = await withReportTable(context, (queries, source) =>
      loadReportInput(queries, {
        since,
        ...(until && { until }),
        ...(service && { service }),
        ...targets,
        now: context.now,
        source,
        ...(values.title !== undefined && { title: values.title }),
        ...(maxLanes !== undefined && { maxLanes }),
      }),
    );
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, renderReport(input));
    const statusChanges = input.history.filter((record) => record.kind === 'transition').length;
    const summary = {
      File: out,
      Jobs: input.jobs.length,
      StatusChanges: statusChanges,
      Since: since.toISOString(),
    };
    return {
      data: summary,
      table: () =>
        `Wrote ${out}: ${summary.Jobs} jobs, ${statusChanges} status changes since ${summary.Since}`,
    };
  },
};

/** The options' table, or with `--data-dir` a DynamoDB Local of its own on that data (stopped after). */
async function withReportTable<T>(
  context: CommandContext,
  use: (queries: JobQueries, source: string) => Promise<T>,
): Promise<T> {
  const dataDir = context.values['data-dir'];
  if (dataDir === undefined) return context.withQueries(use);
  if (context.values['endpoint-url'] !== undefined) {
    throw new ParameterError('--data-dir starts its own DynamoDB Local: leave out --endpoint-url');
  }
  // Loaded only here: DynamoDB Local is a development dependency of the repository.
  const { startDynamoDbLocal } = await import('../../local/dynamodb-local.js');
  const local = await startDynamoDbLocal({ dbPath: resolve(dataDir) });
  try {
    return await context.withQueries(use, { endpointUrl: local.endpoint, defaultTable: LOCAL_TABLE });
  } finally {
    await local.stop();
  }
}
