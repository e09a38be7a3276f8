import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { ServiceAdapter } from '../lambdas/core/adapter.js';
import { formatJobKey } from '../lambdas/core/job-key.js';
import { isTerminal } from '../lambdas/core/status.js';

/** What one naive cycle did. */
export interface NaiveReport {
  listed: number;
  describes: number;
  writes: number;
  /** Writes whose status differed from the item they replaced: the events a naive poller would send. */
  events: number;
  /** Failures that reached the poller (after the SDK's own retries), by kind. */
  readonly errors: Record<string, number>;
}

/**
 * The polling loop teams write by hand, as the comparison point: list every job (all pages, no server-side
 * filters), describe every job that is not finished or finished since the last run, one call at a time, and
 * write every snapshot every cycle. It is given the benefit of the doubt where that is cheap: it skips jobs
 * that finished before its last run, knows the statuses it wrote last time without reading them (kept in
 * memory here; `ReturnValues: ALL_OLD` would tell it at no extra cost), writes in batches of 25 (the same
 * write units as single puts, fewer requests), and writes to a table without indexes or history. It has no pacing of its own; the SDK's adaptive retry is all that
 * stands between it and the service's quota.
 */
export class NaivePoller {
  private lastRunAt: Date;

  constructor(
    private readonly options: {
      readonly adapter: ServiceAdapter;
      readonly ddb: DynamoDBDocumentClient;
      readonly tableName: string;
      /** When the state it starts from was taken. */
      readonly since: Date;
      /** Raw status by formatted job key, as of `since`. */
      readonly statuses: Map<string, string>;
    },
  ) {
    this.lastRunAt = options.since;
  }

  async cycle(): Promise<NaiveReport> {
    const { adapter, ddb, tableName, statuses } = this.options;
    const report: NaiveReport = { listed: 0, describes: 0, writes: 0, events: 0, errors: {} };
    const fail = (error: unknown) => {
      const kind = errorKind(error);
      report.errors[kind] = (report.errors[kind] ?? 0) + 1;
    };
    const since = this.lastRunAt.getTime();
    this.lastRunAt = new Date();
    const pending: Record<string, unknown>[] = [];
    const flush = async () => {
      let requests = pending.splice(0).map((Item) => ({ PutRequest: { Item } }));
      const count = requests.length;
      for (let attempt = 0; requests.length > 0 && attempt < 10; attempt += 1) {
        const result = await ddb.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
      report.writes += count - requests.length;
      if (requests.length > 0) fail(new Error('unprocessed writes'));
    };
    try {
      for await (const scope of adapter.listScopes()) {
        try {
          for await (const item of adapter.listJobs(scope)) {
            if (!item.ok) {
              fail(item.error);
              continue;
            }
            report.listed += 1;
            const listed = item.snapshot;
            if (isTerminal(listed.status) && listed.endedAt && Date.parse(listed.endedAt) < since) continue;
            try {
              report.describes += 1;
              const snapshot = await adapter.describeJob({
                jobId: listed.key.jobId,
                ...(listed.key.scope !== undefined && { scope: listed.key.scope }),
              });
              const key = formatJobKey(snapshot.key);
              if (statuses.get(key) !== snapshot.rawStatus) report.events += 1;
              statuses.set(key, snapshot.rawStatus);
              pending.push({ pk: key, ...snapshot });
              if (pending.length === 25) await flush();
            } catch (error) {
              fail(error);
            }
          }
        } catch (error) {
          fail(error);
        }
      }
    } catch (error) {
      fail(error);
    }
    try {
      await flush();
    } catch (error) {
      fail(error);
    }
    return report;
  }
}

function errorKind(error: unknown): string {
  if (error && typeof error === 'object' && 'kind' in error && typeof error.kind === 'string')
    return error.kind;
  return error instanceof Error ? error.name : 'other';
}
