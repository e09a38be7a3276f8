import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { JobQueries } from '../../cli/queries.js';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { formatJobKey, type JobKey } from '../../lambdas/core/job-key.js';
import type { JobStatus } from '../../lambdas/core/status.js';
import { isPublishable, toEventEntry } from '../../lambdas/events/contract.js';
import { DynamoJobStateStore } from '../../lambdas/store/dynamo-store.js';
import { type MotoServer, startMotoServer } from '../../local/moto-server.js';
import { schemaErrors } from '../events/schema-validator.js';
import { createQueue, drainQueue, TEST_REGION } from '../events/support.js';
import { jobKey, snapshot, startTestDb, T0, type TestDb } from '../store/support.js';
import { type CliRun, runCli } from '../support/cli-run.js';

/** Replay against DynamoDB Local (the history) and moto's EventBridge with a rule to an SQS queue. */

const BUS = 'replay-jobs';
const HOUR = 3600;
const credentials = {
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
};
const lake = jobKey('replay-lake');
const lakeOther = jobKey('replay-lake-2');
const omics: JobKey = { ...jobKey('1234567890', { service: 'healthomics', scope: '9876543210' }) };

let db: TestDb;
let moto: MotoServer;
let sqs: SQSClient;
let queueUrl: string;
let history: HistoryRecord[];

interface Delivered {
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown> & { transitionId?: string; stallId?: string };
}

beforeAll(async () => {
  [db, moto] = await Promise.all([startTestDb(), startMotoServer()]);
  const steps: [JobKey, JobStatus, string, number][] = [
    [lake, 'QUEUED', 'SUBMITTED', 0],
    [lake, 'RUNNING', 'IN_PROGRESS', HOUR],
    [omics, 'RUNNING', 'IN_PROGRESS', 2 * HOUR],
    [lakeOther, 'QUEUED', 'SUBMITTED', 3 * HOUR],
    [lake, 'FAILED', 'FAILED', 5 * HOUR],
  ];
  for (const [key, status, raw, seconds] of steps) {
    const store = storeAt(seconds);
    await store.record(await store.get(key), snapshot(key, status, raw, seconds));
  }
  // The HealthOmics job stalls: a `stall` record, published as `Job Stalled`.
  const omicsStore = storeAt(4 * HOUR);
  const current = await omicsStore.get(omics);
  if (!current || !(await omicsStore.recordStall(current, new Date(T0 + 4 * HOUR * 1000)))) {
    throw new Error('no stall recorded');
  }
  history = await allHistory([lake, lakeOther, omics]);

  const events = new EventBridgeClient({ endpoint: moto.endpoint, region: TEST_REGION });
  sqs = new SQSClient({ endpoint: moto.endpoint, region: TEST_REGION });
  await events.send(new CreateEventBusCommand({ Name: BUS }));
  queueUrl = await createQueue(sqs, 'replayed');
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await events.send(
    new PutRuleCommand({
      Name: 'all-job-events',
      EventBusName: BUS,
      EventPattern: JSON.stringify({ source: ['job-status-aggregator'] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'all-job-events',
      EventBusName: BUS,
      Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }],
    }),
  );
  events.destroy();
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  await Promise.all([db?.stop(), moto?.stop()]);
});

function storeAt(seconds: number): DynamoJobStateStore {
  return new DynamoJobStateStore({
    client: db.client,
    settings: { tableName: db.tableName },
    now: () => new Date(T0 + seconds * 1000),
  });
}

async function allHistory(keys: readonly JobKey[]): Promise<HistoryRecord[]> {
  const queries = new JobQueries({ client: db.client, tableName: db.tableName });
  const pages = await Promise.all(keys.map((key) => queries.history(key, { limit: 100 })));
  return pages.flatMap((page) => page.items).filter(isPublishable);
}

async function cli(...argv: string[]): Promise<CliRun> {
  return runCli([...argv, '--endpoint-url', db.local.endpoint], {
    env: {
      ...credentials,
      JOBS_TABLE_NAME: db.tableName,
      JOBS_EVENT_BUS_NAME: BUS,
      AWS_ENDPOINT_URL_EVENTBRIDGE: moto.endpoint,
    },
    now: () => new Date(T0 + 6 * HOUR * 1000),
  });
}

const idOf = (event: Delivered) => event.detail.transitionId ?? event.detail.stallId;
const ids = (records: readonly HistoryRecord[]) => records.map((record) => record.recordId).sort();
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

describe('job-status replay', () => {
  it('sends the records of a window as the publisher did: same detail, same ids, to the bus', async () => {
    // Act
    const result = await cli('replay', '--since', at(HOUR), '--until', at(4 * HOUR), '--output', 'json');

    // Assess
    expect(result.code).toBe(0);
    const inWindow = history.filter((r) => r.recordedAt >= at(HOUR) && r.recordedAt <= at(4 * HOUR));
    expect(inWindow.map((r) => r.kind).sort()).toEqual(['stall', 'transition', 'transition', 'transition']);
    const summary = JSON.parse(result.out);
    expect(summary).toMatchObject({ DryRun: false, EventBus: BUS, Matched: 4, Delivered: 4, Failed: 0 });
    const received = await drainQueue<Delivered>(sqs, queueUrl);
    expect(received.map(idOf).sort()).toEqual(ids(inWindow));
    for (const event of received) {
      const record = inWindow.find((r) => r.recordId === idOf(event));
      if (!record || !isPublishable(record)) throw new Error(`unexpected event ${idOf(event)}`);
      const original = toEventEntry(record, BUS);
      expect(event.detail).toEqual(JSON.parse(original.Detail));
      expect(event['detail-type']).toBe(original.DetailType);
      expect(event.resources).toEqual(original.Resources);
      expect(Date.parse(event.time)).toBe(Math.floor(original.Time.getTime() / 1000) * 1000);
      expect(schemaErrors(event['detail-type'], event.detail)).toBe('');
    }
  });

  it('filters by service and by job, and narrows a job to a window', async () => {
    const omicsOnly = await cli('replay', '--since', at(0), '--service', 'healthomics', '--output', 'json');
    expect(JSON.parse(omicsOnly.out)).toMatchObject({ Matched: 2, Delivered: 2 });
    const omicsIds = (await drainQueue<Delivered>(sqs, queueUrl)).map(idOf).sort();
    expect(omicsIds).toEqual(ids(history.filter((r) => r.key.service === 'healthomics')));

    const oneJob = await cli('replay', '--job', formatJobKey(lake), '--since', at(HOUR), '--output', 'json');
    expect(oneJob.code).toBe(0);
    const lakeLater = history.filter((r) => r.key.jobId === lake.jobId && r.recordedAt >= at(HOUR));
    expect(lakeLater).toHaveLength(2);
    expect((await drainQueue<Delivered>(sqs, queueUrl)).map(idOf).sort()).toEqual(ids(lakeLater));
  });

  it('is safe to run twice: the second run sends the same events under the same ids', async () => {
    const first = await cli('replay', '--job', formatJobKey(lakeOther), '--output', 'json');
    const firstEvents = await drainQueue<Delivered>(sqs, queueUrl);
    const second = await cli('replay', '--job', formatJobKey(lakeOther), '--output', 'json');
    const secondEvents = await drainQueue<Delivered>(sqs, queueUrl);

    expect([first.code, second.code]).toEqual([0, 0]);
    expect(firstEvents).toHaveLength(1);
    expect(secondEvents.map((event) => event.detail)).toEqual(firstEvents.map((event) => event.detail));
  });

  it('--dry-run lists what it would send and sends nothing', async () => {
    const result = await cli('replay', '--since', at(0), '--dry-run', '--output', 'json');

    expect(result.code).toBe(0);
    const summary = JSON.parse(result.out);
    expect(summary).toMatchObject({ DryRun: true, Matched: history.length, Delivered: 0, Failed: 0 });
    expect(new Set(summary.Items.map((item: { outcome: string }) => item.outcome))).toEqual(
      new Set(['would-send']),
    );
    expect(await drainQueue(sqs, queueUrl)).toEqual([]);
    const table = await cli('replay', '--since', at(0), '--kind', 'stall', '--dry-run');
    expect(table.out).toMatch(/Dry run: 1 events would be sent to replay-jobs/);
    expect(table.out).toContain('Job Stalled');
  });

  it('reports what a bus refused, exits 254, and a later run against the right bus sends it', async () => {
    const refused = await cli(
      'replay',
      '--job',
      formatJobKey(lakeOther),
      '--bus',
      'no-such-bus',
      '--output',
      'json',
    );
    expect(refused.code).toBe(254);
    const summary = JSON.parse(refused.out);
    expect(summary).toMatchObject({ Matched: 1, Delivered: 0, Failed: 1 });
    expect(summary.Items[0]).toMatchObject({ outcome: 'failed', errorCode: expect.any(String) });

    const retried = await cli('replay', '--job', formatJobKey(lakeOther), '--bus', BUS, '--output', 'json');
    expect(JSON.parse(retried.out)).toMatchObject({ Delivered: 1, Failed: 0 });
    expect(await drainQueue(sqs, queueUrl)).toHaveLength(1);
  });

  it('refuses a replay without a window or a job, of progress records, or of a job of another service', async () => {
    const none = await cli('replay');
    expect(none.code).toBe(252);
    expect(none.err).toMatch(/replay needs --since/);
    expect((await cli('replay', '--since', '7d', '--kind', 'progress')).code).toBe(252);
    const mismatch = await cli('replay', '--job', formatJobKey(lake), '--service', 'panorama');
    expect(mismatch.code).toBe(252);
    expect(mismatch.err).toMatch(/is not a panorama job/);
  });

  it('says which bus to name when none is given', async () => {
    let err = '';
    const code = await main(['replay', '--since', '1d', '--endpoint-url', db.local.endpoint], {
      stdout: () => undefined,
      stderr: (text) => {
        err += text;
      },
      env: { ...credentials, JOBS_TABLE_NAME: db.tableName },
    });
    expect(code).toBe(253);
    expect(err).toMatch(/Which bus\? Pass --bus or --stack NAME, or set JOBS_EVENT_BUS_NAME/);
  });
});
