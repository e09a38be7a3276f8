import pLimit from 'p-limit';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { formatJobKey } from '../../lambdas/core/job-key.js';
import type { CurrentJob } from '../../lambdas/core/recording.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import { allPages, type JobQueries, type TargetFilter } from '../queries.js';
import type { ReportInput } from './model.js';

export interface LoadOptions extends TargetFilter {
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
      ...targetsOf(options),
    };
    for await (const record of allPages((page) => queries.changes({ ...window, ...page })))
      history.push(record);
  }
  const jobs = new Map<string, CurrentJob>();
  for await (const job of allPages((page) =>
    queries.running({
      ...(options.service && { service: options.service }),
      ...targetsOf(options),
      ...page,
    }),
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

function targetsOf(options: LoadOptions): TargetFilter {
  return {
    ...(options.accountIds && { accountIds: options.accountIds }),
    ...(options.region !== undefined && { region: options.region }),
  };
}
