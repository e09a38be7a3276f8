import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { formatJobKey } from '../lambdas/core/job-key.js';
import { silentLog } from '../lambdas/core/ports.js';
import { planRecord } from '../lambdas/core/recording.js';
import type { JobSnapshot } from '../lambdas/core/snapshot.js';
import { backfillMarkToItem, currentJobToItem } from '../lambdas/store/item-codec.js';
import { STORE_SETTING_DEFAULTS } from '../lambdas/store/settings.js';
import type { BenchService } from './services.js';
import { BENCH_ACCOUNT, BENCH_REGION } from './workload.js';

/**
 * Puts the jobs table in the state a poller that has been running a while leaves it in: one current item
 * per active job, from that job's describe call. Written in batches of 25, without history items, because
 * only current items steer a cycle; seeding through the poller itself would cost one transaction per job,
 * which DynamoDB Local does at a few hundred a second. Returns the raw statuses by job key (what the naive
 * poller wrote last time).
 */
export async function seedTables(options: {
  readonly service: BenchService;
  readonly jobs: readonly { readonly scope: string | undefined; readonly jobId: string }[];
  readonly ddb: DynamoDBDocumentClient;
  readonly jobsTable: string;
  readonly now: Date;
}): Promise<Map<string, string>> {
  const { service, jobs, ddb, jobsTable, now } = options;
  const adapter = service.createAdapter({
    settings: { maxAttempts: 4 },
    region: BENCH_REGION,
    accountId: BENCH_ACCOUNT,
    log: silentLog,
  });
  const describe = pLimit(16);
  const snapshots: JobSnapshot[] = await Promise.all(
    jobs.map((job) =>
      describe(() =>
        adapter.describeJob({ jobId: job.jobId, ...(job.scope !== undefined && { scope: job.scope }) }),
      ),
    ),
  );
  const current = snapshots.map((snapshot) => {
    const plan = planRecord(undefined, snapshot, STORE_SETTING_DEFAULTS, now);
    if (!plan.write) throw new Error('a new job always has a write');
    return currentJobToItem(plan.write.current);
  });
  // A poller that has run a while recorded its first run's look-back long ago.
  await batchPut(ddb, jobsTable, [...current, backfillMarkToItem(service.id, now.toISOString())]);
  return new Map(snapshots.map((snapshot) => [formatJobKey(snapshot.key), snapshot.rawStatus]));
}

async function batchPut(
  ddb: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
): Promise<void> {
  const write = pLimit(4);
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  await Promise.all(
    batches.map((batch) =>
      write(async () => {
        let requests = batch.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; requests.length > 0; attempt += 1) {
          if (attempt > 10) throw new Error(`seeding ${table}: items left unprocessed`);
          const result = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
          requests = (result.UnprocessedItems?.[table] ?? []) as typeof requests;
          if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
        }
      }),
    ),
  );
}
