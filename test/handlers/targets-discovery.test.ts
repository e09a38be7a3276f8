import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DeleteOrganizationalUnitCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JobQueries } from '../../cli/queries.js';
import { organizationReader } from '../../lambdas/aws/organization-reader.js';
import { activeAccountsUnder } from '../../lambdas/core/poll/account-discovery.js';
import type { PollResult } from '../../lambdas/handlers/poll-handler.js';
import { servicePoller } from '../../lambdas/handlers/service-poller.js';
import { healthLakeService } from '../../lambdas/services/healthlake/index.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { StsStandIn } from '../../local/fakes/sts-standin.js';
import { TenantRouter } from '../../local/fakes/tenants.js';
import { createJobsTable } from '../../local/jobs-table.js';
import { type MotoServer, startMotoServer } from '../../local/moto-server.js';
import { HealthLakeFake } from '../../local/services/healthlake/fake.js';

/**
 * Organization discovery on real parts: moto's Organizations holds the tree (an OU with an OU below it, a
 * third OU the hub is not told of, a suspended account), the hub's poller reads it through the real SDK
 * client and polls what it found through the STS stand-in and the HealthLake fakes, on DynamoDB Local.
 */
const HUB = '999999999999';
const HUB_REGION = 'us-east-1';
const REGIONS = ['eu-west-1', 'eu-central-1'];
const DATASTORE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
/** More accounts in one OU than one ListAccountsForParent page holds (moto's default page is 20). */
const ACCOUNTS_IN_TOP_OU = 22;

type Handler = (event: unknown, context: Context) => Promise<PollResult>;
let moto: MotoServer;
let ddb: DynamoDbLocal;
let org: OrganizationsClient;
let queries: JobQueries;
const sts = new StsStandIn({ ownAccountId: HUB });
const router = new TenantRouter(sts, (tenant) => new HealthLakeFake(tenant));
const savedEnv = { ...process.env };
const tree = { root: '', top: '', nested: '', other: '' };
const accounts = { top: [] as string[], nested: '', suspended: '', other: '' };

const context = {
  functionName: 'poller',
  invokedFunctionArn: `arn:aws:lambda:${HUB_REGION}:${HUB}:function:poller`,
  getRemainingTimeInMillis: () => 300_000,
  awsRequestId: 'req-1',
} as Context;

async function createAccount(name: string, parent: string): Promise<string> {
  const created = await org.send(
    new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
  );
  const id = created.CreateAccountStatus?.AccountId ?? '';
  await org.send(
    new MoveAccountCommand({ AccountId: id, SourceParentId: tree.root, DestinationParentId: parent }),
  );
  return id;
}

async function createUnit(name: string, parent: string): Promise<string> {
  const unit = await org.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name }));
  return unit.OrganizationalUnit?.Id ?? '';
}

function cycle(result: PollResult) {
  if (result.mode !== 'cycle') throw new Error(`expected a cycle, got ${result.mode}`);
  return result;
}

const polledAccounts = (result: PollResult) =>
  [...new Set(cycle(result).targets?.map((outcome) => outcome.target.split(':')[0]))].sort();

beforeAll(async () => {
  [moto, ddb] = await Promise.all([startMotoServer(), startDynamoDbLocal()]);
  org = new OrganizationsClient({ endpoint: moto.endpoint, region: HUB_REGION });
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  tree.root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  tree.top = await createUnit('research', tree.root);
  tree.nested = await createUnit('research-genomics', tree.top);
  tree.other = await createUnit('sandbox', tree.root);
  for (let i = 0; i < ACCOUNTS_IN_TOP_OU; i += 1) accounts.top.push(await createAccount(`top${i}`, tree.top));
  accounts.nested = await createAccount('nested', tree.nested);
  accounts.suspended = await createAccount('suspended', tree.nested);
  await org.send(new CloseAccountCommand({ AccountId: accounts.suspended }));
  accounts.other = await createAccount('other', tree.other);

  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: HUB_REGION });
  await createJobsTable(client, 'jobs-discovery');
  queries = new JobQueries({ client, tableName: 'jobs-discovery', consistentRead: true });
  await sts.start();
  await router.start();
  for (const accountId of [...accounts.top, accounts.nested, accounts.suspended, accounts.other]) {
    for (const region of REGIONS) {
      const fake = router.fakeOf(accountId, region);
      fake.addScope(DATASTORE);
      fake.addJob({ scope: DATASTORE, jobId: 'job-1', status: 'IN_PROGRESS' });
    }
  }
  Object.assign(process.env, {
    AWS_REGION: HUB_REGION,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_HEALTHLAKE: router.endpoint,
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    AWS_ENDPOINT_URL_ORGANIZATIONS: moto.endpoint,
    JOBS_SDK_MAX_ATTEMPTS: '1',
    JOBS_TABLE_NAME: 'jobs-discovery',
  });
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await router.stop();
  await sts.stop();
  await Promise.all([ddb?.stop(), moto?.stop()]);
});

describe('the Organization tree through the SDK client', () => {
  it('finds the active accounts two OU levels deep across pages, without the suspended one', async () => {
    // Arrange
    const reader = organizationReader({
      service: 'healthlake',
      region: HUB_REGION,
      settings: { endpoint: moto.endpoint },
      roleArn: undefined,
    });

    // Act
    const found = await activeAccountsUnder(reader, [tree.top]);

    // Assess
    expect(found).toEqual([...accounts.top, accounts.nested].sort());
    expect(found).not.toContain(accounts.suspended);
    expect(found).not.toContain(accounts.other);
  });

  it('reads the tree with the discovery role when one is set (moto STS)', async () => {
    // Arrange: STS at moto for this reader only; moto maps the assumed role to the Organization's account.
    process.env.AWS_ENDPOINT_URL_STS = moto.endpoint;
    const reader = organizationReader({
      service: 'healthlake',
      region: HUB_REGION,
      settings: {},
      roleArn: 'arn:aws:iam::123456789012:role/JobStatusAggregatorOrganizationRead',
    });

    // Act
    let found: string[];
    try {
      found = await activeAccountsUnder(reader, [tree.nested]);
    } finally {
      process.env.AWS_ENDPOINT_URL_STS = sts.endpoint;
    }

    // Assess
    expect(found).toEqual([accounts.nested]);
  });
});

describe('a hub poller that discovers its targets', () => {
  let poll: Handler;

  it('polls every active account under the OUs in each target region, and listed accounts too', async () => {
    // Arrange
    Object.assign(process.env, {
      JOBS_TARGETS: `${HUB}:eu-west-1`,
      JOBS_ORGANIZATION_UNITS: tree.top,
      JOBS_TARGET_REGIONS: REGIONS.join(','),
      JOBS_DISCOVERY_CACHE_SECONDS: '0.001',
    });
    poll = servicePoller(healthLakeService) as Handler;

    // Act
    const result = cycle(await poll({ kind: 'poll' }, context));

    // Assess
    expect(polledAccounts(result)).toEqual([HUB, ...accounts.top, accounts.nested].sort());
    expect(result.targets).toHaveLength(1 + (ACCOUNTS_IN_TOP_OU + 1) * REGIONS.length);
    expect(result.targets?.every((outcome) => outcome.kind === 'polled')).toBe(true);
    const nested = await queries.job(`healthlake/eu-central-1/${accounts.nested}/${DATASTORE}/job-1`);
    expect(nested?.snapshot.rawStatus).toBe('IN_PROGRESS');
    expect(sts.assumeCalls.some((call) => call.roleArn.includes(accounts.suspended))).toBe(false);
    expect(router.requests.some((request) => request.tenant.startsWith(accounts.other))).toBe(false);
  });

  it('falls back to the last good list when the OUs come back empty, and counts it', async () => {
    // Arrange: every account moved out of the OUs; a cycle that believed it would poll almost nothing.
    for (const id of [...accounts.top, accounts.nested]) {
      const from = id === accounts.nested ? tree.nested : tree.top;
      await org.send(
        new MoveAccountCommand({ AccountId: id, SourceParentId: from, DestinationParentId: tree.root }),
      );
    }
    const metrics = captureMetrics();

    // Act
    const result = await metrics.during(() => poll({ kind: 'poll' }, context));

    // Assess: the same targets as before, their jobs still running, and one DiscoveryFailures.
    expect(polledAccounts(result)).toEqual([HUB, ...accounts.top, accounts.nested].sort());
    expect(cycle(result).transitions).toBe(0);
    const nested = await queries.job(`healthlake/eu-west-1/${accounts.nested}/${DATASTORE}/job-1`);
    expect(nested?.snapshot.status).toBe('RUNNING');
    expect(metrics.values('DiscoveryFailures')).toEqual([1]);
  });

  it('falls back when discovery fails, and a cold poller falls back to the listed accounts alone', async () => {
    // Arrange: the OUs no longer exist, so every read of them fails.
    await org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: tree.nested }));
    await org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: tree.top }));
    const cold = servicePoller(healthLakeService) as Handler;
    const metrics = captureMetrics();

    // Act
    const warm = await metrics.during(() => poll({ kind: 'poll' }, context));
    const first = await metrics.during(() => cold({ kind: 'poll' }, context));

    // Assess
    expect(polledAccounts(warm)).toEqual([HUB, ...accounts.top, accounts.nested].sort());
    expect(polledAccounts(first)).toEqual([HUB]);
    expect(metrics.values('DiscoveryFailures')).toEqual([1, 1]);
  });
});

/** The embedded-metric lines a handler writes to stdout, by metric name. */
function captureMetrics() {
  const written: string[] = [];
  return {
    async during<T>(act: () => Promise<T>): Promise<T> {
      process.env.POWERTOOLS_METRICS_DISABLED = 'false';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
      try {
        return await act();
      } finally {
        spy.mockRestore();
        process.env.POWERTOOLS_METRICS_DISABLED = 'true';
      }
    },
    values(name: string): unknown[] {
      return written
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.includes(`"${name}"`))
        .map((line) => (JSON.parse(line) as Record<string, unknown>)[name]);
    },
  };
}
