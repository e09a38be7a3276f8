import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueries } from '../../cli/queries.js';
import type { PollResult } from '../../lambdas/handlers/poll-handler.js';
import { servicePoller } from '../../lambdas/handlers/service-poller.js';
import { healthLakeService } from '../../lambdas/services/healthlake/index.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { LambdaStandIn } from '../../local/fakes/lambda-standin.js';
import { StsStandIn } from '../../local/fakes/sts-standin.js';
import { TenantRouter } from '../../local/fakes/tenants.js';
import { createJobsTable } from '../../local/jobs-table.js';
import { HealthLakeFake } from '../../local/services/healthlake/fake.js';

/**
 * Fan-out end to end: the scheduled run hands its targets in batches to asynchronous invocations of its
 * own function through the real Lambda client, against a Lambda stand-in that runs each batch in a fresh
 * poller (another execution environment), with the STS stand-in, the HealthLake fakes and DynamoDB Local.
 */
const HUB = '999999999999';
const HUB_REGION = 'us-east-1';
const DATASTORE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const TARGETS = [
  `${HUB}:eu-west-1`,
  '111111111111:eu-west-1',
  '111111111111:eu-central-1',
  '222222222222:eu-west-1',
  '222222222222:eu-central-1',
  '333333333333:eu-west-1',
  '333333333333:eu-central-1',
];

type Handler = (event: unknown, context: Context) => Promise<PollResult>;
let ddb: DynamoDbLocal;
let queries: JobQueries;
const sts = new StsStandIn({ ownAccountId: HUB });
const router = new TenantRouter(sts, (tenant) => new HealthLakeFake(tenant));
const childResults: PollResult[] = [];
const lambda = new LambdaStandIn(async (payload) => {
  const child = servicePoller(healthLakeService) as Handler;
  childResults.push(await child(payload, context));
});
const savedEnv = { ...process.env };

const context = {
  functionName: 'healthlake-poller',
  invokedFunctionArn: `arn:aws:lambda:${HUB_REGION}:${HUB}:function:healthlake-poller`,
  getRemainingTimeInMillis: () => 300_000,
  awsRequestId: 'req-1',
} as Context;

const polled = (result: PollResult | undefined) =>
  result?.mode === 'cycle'
    ? (result.targets ?? []).filter((o) => o.kind === 'polled').map((o) => o.target)
    : [];

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: HUB_REGION });
  await createJobsTable(client, 'jobs-fan-out');
  queries = new JobQueries({ client, tableName: 'jobs-fan-out', consistentRead: true });
  await Promise.all([sts.start(), router.start(), lambda.start()]);
  for (const target of TARGETS) {
    const [accountId = '', region = ''] = target.split(':');
    const fake = router.fakeOf(accountId, region);
    fake.addScope(DATASTORE);
    fake.addJob({ scope: DATASTORE, jobId: 'job-1', status: 'IN_PROGRESS' });
  }
  Object.assign(process.env, {
    AWS_REGION: HUB_REGION,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_HEALTHLAKE: router.endpoint,
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
    JOBS_SDK_MAX_ATTEMPTS: '1',
    JOBS_TABLE_NAME: 'jobs-fan-out',
    JOBS_TARGETS: TARGETS.join(','),
    JOBS_FAN_OUT_TARGETS_PER_RUN: '3',
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await lambda.stop();
  await router.stop();
  await sts.stop();
  await ddb?.stop();
});

describe('a scheduled run with more targets than one run takes', () => {
  it('sends each batch to an async invocation of itself, and each batch run polls exactly its targets', async () => {
    // Arrange
    const poll = servicePoller(healthLakeService) as Handler;

    // Act
    const result = await poll({ kind: 'poll' }, context);
    await lambda.settled();

    // Assess: three batches (3, 2, 2) to the function itself, every target polled once, none fanned out again.
    expect(result).toEqual({ mode: 'fan-out', targets: 7, batches: 3, dispatched: 3 });
    expect(lambda.invocations).toHaveLength(3);
    for (const invocation of lambda.invocations) {
      expect(invocation).toMatchObject({ functionName: 'healthlake-poller', invocationType: 'Event' });
      expect(invocation.payload).toMatchObject({ kind: 'poll-batch' });
    }
    const sent = lambda.invocations.map((i) => (i.payload as { targets: string[] }).targets);
    // The batches are sent side by side, so they may arrive in any order.
    expect(sent.map((batch) => batch.length).sort()).toEqual([2, 2, 3]);
    expect(sent.flat().sort()).toEqual([...TARGETS].sort());
    expect(childResults.map((child) => child.mode)).toEqual(['cycle', 'cycle', 'cycle']);
    expect(childResults.flatMap(polled).sort()).toEqual([...TARGETS].sort());
    for (const target of TARGETS) {
      const [accountId, region] = target.split(':');
      const job = await queries.job(`healthlake/${region}/${accountId}/${DATASTORE}/job-1`);
      expect(job?.snapshot.rawStatus).toBe('IN_PROGRESS');
    }
  });

  it('polls a batch Lambda would not take itself, so no target misses its cycle', async () => {
    // Arrange
    const poll = servicePoller(healthLakeService) as Handler;
    lambda.invocations.length = 0;
    childResults.length = 0;
    // The SDK's own retries are off (JOBS_SDK_MAX_ATTEMPTS=1): the first batch's Invoke fails for good.
    lambda.refuse(1);

    // Act
    const result = await poll({ kind: 'poll' }, context);
    await lambda.settled();

    // Assess
    if (result.mode !== 'fan-out') throw new Error(`expected a fan-out, got ${result.mode}`);
    expect(result.dispatched).toBe(2);
    const inline = result.inline?.map((outcome) => [outcome.target, outcome.kind]);
    const others = childResults.flatMap(polled);
    expect([...(inline ?? []).map(([target]) => target), ...others].sort()).toEqual([...TARGETS].sort());
    expect(inline?.every(([, kind]) => kind === 'polled')).toBe(true);
    // Whichever batch reached the stand-in first was refused: one of 3 or one of 2 targets.
    expect([2, 3]).toContain(inline?.length);
  });

  it('polls only the watched, well-formed targets a batch names, and never fans a batch out', async () => {
    // Arrange
    const poll = servicePoller(healthLakeService) as Handler;
    lambda.invocations.length = 0;
    const event = {
      kind: 'poll-batch',
      targets: [...TARGETS, '555555555555:eu-west-1', 'not-a-target'],
      startedAt: new Date().toISOString(),
    };

    // Act
    const result = await poll(event, context);

    // Assess: all seven watched targets in this one run (more than the batch size), the others refused.
    expect(polled(result).sort()).toEqual([...TARGETS].sort());
    expect(lambda.invocations).toEqual([]);
  });
});
