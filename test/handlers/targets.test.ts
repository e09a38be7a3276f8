import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JobQueries } from '../../cli/queries.js';
import { hubSessionName } from '../../lambdas/contract/hub.js';
import type { PollResult } from '../../lambdas/handlers/poll-handler.js';
import { servicePoller } from '../../lambdas/handlers/service-poller.js';
import { healthLakeService } from '../../lambdas/services/healthlake/index.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { StsStandIn } from '../../local/fakes/sts-standin.js';
import { TenantRouter } from '../../local/fakes/tenants.js';
import { createJobsTable } from '../../local/jobs-table.js';
import { HealthLakeFake } from '../../local/services/healthlake/fake.js';

/**
 * A hub polling many accounts and regions, end to end: the deployed handler code with the real SDK clients
 * and the SDK's own role assumption, against an STS stand-in and HealthLake fakes that tell accounts apart
 * by the access key each assumption returned and regions by the SigV4 scope; the store on DynamoDB Local.
 */
const HUB = '999999999999';
const HUB_REGION = 'us-east-1';
const DATASTORE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const A = '111111111111';
const B = '222222222222';
const DENIED = '333333333333';
const DISABLED = '444444444444';
const POLLED = [
  `${A}:eu-west-1`,
  `${A}:eu-central-1`,
  `${B}:eu-west-1`,
  `${B}:eu-central-1`,
  `${HUB}:eu-west-1`,
];
const TARGETS = [...POLLED, `${DENIED}:eu-west-1`, `${DISABLED}:ap-southeast-5`];
/** A different status in every target for the same job id: any cross-talk shows. */
const STATUS_OF = ['SUBMITTED', 'QUEUED', 'IN_PROGRESS', 'SUBMITTED', 'QUEUED'];

type Handler = (event: unknown, context: Context) => Promise<PollResult>;
let ddb: DynamoDbLocal;
let queries: JobQueries;
const sts = new StsStandIn({ ownAccountId: HUB });
const router = new TenantRouter(sts, (tenant) => new HealthLakeFake(tenant));
const savedEnv = { ...process.env };

function lambdaContext(): Context {
  return {
    functionName: 'poller',
    invokedFunctionArn: `arn:aws:lambda:${HUB_REGION}:${HUB}:function:poller`,
    getRemainingTimeInMillis: () => 300_000,
    awsRequestId: 'req-1',
  } as Context;
}

function cycle(result: PollResult) {
  if (result.mode !== 'cycle') throw new Error(`expected a cycle, got ${result.mode}`);
  return result;
}

function newPoller(tableName: string): Handler {
  return servicePoller(healthLakeService, { ...process.env, JOBS_TABLE_NAME: tableName }) as Handler;
}

const split = (target: string) => {
  const [accountId = '', region = ''] = target.split(':');
  return { accountId, region };
};

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: HUB_REGION });
  for (const table of ['jobs-targets', 'jobs-targets-expiry']) await createJobsTable(client, table);
  queries = new JobQueries({ client, tableName: 'jobs-targets', consistentRead: true });
  await sts.start();
  await router.start();
  POLLED.forEach((target, index) => {
    const { accountId, region } = split(target);
    const fake = router.fakeOf(accountId, region);
    fake.addScope(DATASTORE);
    fake.addJob({ scope: DATASTORE, jobId: 'job-1', status: STATUS_OF[index] ?? 'SUBMITTED' });
    fake.addJob({ scope: DATASTORE, jobId: `only-${accountId}-${region}`, status: 'IN_PROGRESS' });
  });
  sts.denyAccount(DENIED);
  router.disableRegion(DISABLED, 'ap-southeast-5');
  Object.assign(process.env, {
    AWS_REGION: HUB_REGION,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_HEALTHLAKE: router.endpoint,
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    JOBS_SDK_MAX_ATTEMPTS: '1',
    JOBS_TARGETS: TARGETS.join(','),
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await router.stop();
  await sts.stop();
  await ddb?.stop();
});

describe('a hub polling many accounts and regions', () => {
  let poll: Handler;

  it('keeps every target to itself, counts a denied role and a disabled region, and polls the rest', async () => {
    // Arrange
    poll = newPoller('jobs-targets');

    // Act
    const result = cycle(await poll({ kind: 'poll' }, lambdaContext()));

    // Assess: every polled target's two jobs, under that target's key and with that target's status.
    expect(result.targets?.map((outcome) => [outcome.target, outcome.kind])).toEqual(
      TARGETS.map((target) => [target, POLLED.includes(target) ? 'polled' : 'failed']),
    );
    expect(result.targets?.filter((outcome) => outcome.kind === 'failed')).toEqual([
      expect.objectContaining({ target: `${DENIED}:eu-west-1`, errorKind: 'access-denied' }),
      expect.objectContaining({ target: `${DISABLED}:ap-southeast-5` }),
    ]);
    expect(result.transitions).toBe(POLLED.length * 2);
    for (const [index, target] of POLLED.entries()) {
      const { accountId, region } = split(target);
      const job = await queries.job(`healthlake/${region}/${accountId}/${DATASTORE}/job-1`);
      expect(job?.snapshot.rawStatus).toBe(STATUS_OF[index]);
    }
    const running = (await queries.running({ service: 'healthlake' })).items;
    const misplaced = running.filter(({ snapshot: { key } }) =>
      key.jobId.startsWith('only-') ? key.jobId !== `only-${key.accountId}-${key.region}` : false,
    );
    expect(running.filter((job) => job.snapshot.key.jobId.startsWith('only-'))).toHaveLength(POLLED.length);
    expect(misplaced).toEqual([]);
    // One assumption per member account and region, with the hub's session name; none for the hub itself.
    expect(sts.assumeCalls.map((call) => call.roleArn).sort()).toEqual(
      [A, A, B, B, DENIED, DISABLED].map((account) => `arn:aws:iam::${account}:role/JobStatusAggregatorRead`),
    );
    expect(new Set(sts.assumeCalls.map((call) => call.sessionName))).toEqual(
      new Set([hubSessionName('healthlake')]),
    );
    expect(sts.assumeCalls.every((call) => call.callerAccountId === HUB)).toBe(true);
  });

  it('reuses the assumed credentials in the next run', async () => {
    // Arrange
    const before = sts.assumed().length;
    router.fakeOf(A, 'eu-central-1').updateJob(DATASTORE, 'job-1', { status: 'COMPLETED' });

    // Act
    const result = cycle(await poll({ kind: 'poll' }, lambdaContext()));

    // Assess
    expect(result.transitions).toBe(1);
    expect(sts.assumed()).toHaveLength(before);
    expect(await queries.job(`healthlake/eu-central-1/${A}/${DATASTORE}/job-1`)).toMatchObject({
      snapshot: { status: 'SUCCEEDED' },
    });
    expect((await queries.job(`healthlake/eu-west-1/${A}/${DATASTORE}/job-1`))?.snapshot.rawStatus).toBe(
      'SUBMITTED',
    );
  });

  it('refreshes a job from a member`s forwarded native event in that member`s target only', async () => {
    // Arrange
    router.fakeOf(B, 'eu-central-1').updateJob(DATASTORE, 'job-1', { status: 'IN_PROGRESS' });
    router.fakeOf(B, 'eu-west-1').updateJob(DATASTORE, 'job-1', { status: 'FAILED' });
    const event = {
      source: 'aws.healthlake',
      'detail-type': 'Import Job In Progress',
      account: B,
      region: 'eu-central-1',
      detail: { datastoreId: DATASTORE, jobId: 'job-1' },
    };
    router.requests.length = 0;

    // Act
    const result = await poll(event, lambdaContext());

    // Assess
    expect(result).toEqual({ mode: 'refresh', kind: 'recorded', result: 'transition' });
    expect(router.requests.map((request) => request.tenant)).toEqual([`${B}:eu-central-1`]);
    expect((await queries.job(`healthlake/eu-central-1/${B}/${DATASTORE}/job-1`))?.snapshot.rawStatus).toBe(
      'IN_PROGRESS',
    );
    expect((await queries.job(`healthlake/eu-west-1/${B}/${DATASTORE}/job-1`))?.snapshot.rawStatus).toBe(
      'IN_PROGRESS',
    );
    const unwatched = await poll({ ...event, account: '555555555555' }, lambdaContext());
    expect(unwatched).toEqual({ mode: 'ignored', reason: 'native event from an unwatched target' });
  });

  it('assumes the role again when its credentials near their end in the middle of a run', async () => {
    // Arrange: credentials that the SDK treats as expiring within a few hundred milliseconds, slow calls.
    sts.options.durationSeconds = 300.4;
    for (const fake of router.tenants().values()) fake.server.latencyMs = 250;
    const expiring = newPoller('jobs-targets-expiry');
    router.requests.length = 0;
    const before = sts.assumed().filter((call) => call.roleArn.includes(A)).length;

    // Act
    const result = cycle(await expiring({ kind: 'poll' }, lambdaContext()));

    // Assess: more than one assumption of A's role in one run, its later calls signed with the new key.
    expect(result.errors).toEqual({});
    expect(result.targets?.filter((outcome) => outcome.kind === 'failed')).toHaveLength(2);
    expect(result.transitions).toBe(POLLED.length * 2);
    const assumedForA = sts.assumed().filter((call) => call.roleArn.includes(A)).length - before;
    expect(assumedForA).toBeGreaterThan(2);
    const keysOfA = new Set(
      router.requests.filter((request) => request.tenant === `${A}:eu-west-1`).map((r) => r.accessKeyId),
    );
    expect(keysOfA.size).toBeGreaterThan(1);
  });

  it('counts the targets it could not poll in TargetFailures, one metric for the whole stack', async () => {
    // Arrange: a poller whose metrics are on (embedded metric format on stdout).
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const counted = newPoller('jobs-targets');
    for (const fake of router.tenants().values()) fake.server.latencyMs = 0;
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });

    // Act
    try {
      await counted({ kind: 'poll' }, lambdaContext());
    } finally {
      spy.mockRestore();
      process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    }

    // Assess
    const failures = written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"TargetFailures"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // Which targets failed is in the run's log lines (and its result); the metric only says how many.
    expect(failures.map((metric) => [metric.TargetFailures, metric.service, metric.target])).toEqual([
      [2, 'job-status-aggregator', undefined],
    ]);
  });
});
