import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { memberCredentials } from '../lambdas/aws/member-credentials.js';
import { DEFAULT_MEMBER_ROLE_NAME } from '../lambdas/contract/hub.js';
import { settingsEnvironment } from '../lambdas/contract/settings.js';
import type { ServiceAdapter } from '../lambdas/core/adapter.js';
import { listPasses } from '../lambdas/core/poll-cycle.js';
import { silentLog } from '../lambdas/core/ports.js';
import { planRecord } from '../lambdas/core/recording.js';
import type { Target } from '../lambdas/core/target.js';
import type { PollResult } from '../lambdas/handlers/poll-handler.js';
import { servicePoller } from '../lambdas/handlers/service-poller.js';
import { TARGETS_AT_ONCE } from '../lambdas/handlers/targets/targets-handler.js';
import { healthLakeDefinition } from '../lambdas/services/healthlake/definition.js';
import { healthLakeService } from '../lambdas/services/healthlake/index.js';
import { createDocumentClient } from '../lambdas/store/document-client.js';
import { currentJobToItem } from '../lambdas/store/item-codec.js';
import { STORE_SETTING_DEFAULTS } from '../lambdas/store/settings.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { StsStandIn } from '../local/fakes/sts-standin.js';
import { TenantRouter } from '../local/fakes/tenants.js';
import { createJobsTable } from '../local/jobs-table.js';
import { HealthLakeFake } from '../local/services/healthlake/fake.js';

/**
 * The many-target case: one hub's HealthLake poller over `targets` account-regions with `jobs` active
 * jobs each, through the STS stand-in and the tenant router, at HealthLake's published rates. A steady
 * cycle, then one in which `changeRate` of every target's jobs finish. Printed as a Markdown table.
 */
const HUB = '900000000000';
const HUB_REGION = 'us-east-1';
const REGIONS = ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'us-west-2'];
const DATASTORE = 'b1b2c3d4e5f60718293a4b5c6d7e8f90';
const TABLE = 'jobs-bench-targets';

export interface ManyTargetOptions {
  readonly targets: number;
  readonly jobsPerTarget: number;
  readonly changeRate: number;
}

interface CycleFigures {
  readonly name: string;
  readonly calls: number;
  readonly lowerBound: number;
  readonly seconds: number;
  readonly quotaBoundSeconds: number;
  readonly runs: number;
  readonly assumptions: number;
  readonly transitions: number;
  readonly failedTargets: number;
  readonly heapMb: number;
  readonly rssMb: number;
}

function targetsOf(count: number): Target[] {
  return Array.from({ length: count }, (_, index) => ({
    // The hub's own account is the first target: it is polled with the hub's own credentials.
    accountId: index === 0 ? HUB : String(100_000_000_000 + index),
    region: REGIONS[index % REGIONS.length] ?? HUB_REGION,
  }));
}

export async function runManyTargets(options: ManyTargetOptions, progress: (line: string) => void) {
  const ddb = await startDynamoDbLocal();
  const sts = new StsStandIn({ ownAccountId: HUB });
  const router = new TenantRouter(sts, (tenant) => new HealthLakeFake(tenant));
  try {
    const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: HUB_REGION });
    await createJobsTable(client, TABLE);
    await sts.start();
    await router.start();
    const targets = targetsOf(options.targets);
    const submittedAt = new Date(Date.now() - 7 * 86_400_000);
    for (const target of targets) {
      const fake = router.fakeOf(target.accountId, target.region);
      fake.addScope(DATASTORE);
      for (let i = 0; i < options.jobsPerTarget; i += 1) {
        fake.addJob({ scope: DATASTORE, jobId: jobId(i), status: 'IN_PROGRESS', submittedAt });
      }
    }
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      AWS_ENDPOINT_URL_HEALTHLAKE: router.endpoint,
      AWS_ENDPOINT_URL_STS: sts.endpoint,
      ...settingsEnvironment({ tableName: TABLE, targets, fullSweepSeconds: 10 * 365 * 86_400 }),
    });
    progress(`seeding ${targets.length * options.jobsPerTarget} active jobs`);
    await seed(client, targets);
    const poll = servicePoller(healthLakeService) as (e: unknown, c: Context) => Promise<PollResult>;
    const figures: CycleFigures[] = [];
    const measure = async (name: string, expectChanged: number) => {
      for (const fake of router.tenants().values()) fake.server.resetCalls();
      const assumedBefore = sts.assumed().length;
      const began = performance.now();
      const result = await poll({ kind: 'poll' }, lambdaContext());
      const seconds = (performance.now() - began) / 1000;
      if (result.mode !== 'cycle') throw new Error('expected a cycle');
      const calls = [...router.tenants().values()].reduce((sum, fake) => sum + fake.server.calls.length, 0);
      const perTarget = lowerBoundPerTarget(options.jobsPerTarget, expectChanged);
      const memory = process.memoryUsage();
      figures.push({
        name,
        calls,
        lowerBound: perTarget * targets.length,
        seconds,
        // Each target's calls at its own list quota, TARGETS_AT_ONCE targets side by side.
        quotaBoundSeconds:
          (Math.ceil(targets.length / TARGETS_AT_ONCE) * perTarget) /
          healthLakeDefinition.quotas.listPerSecond,
        runs: result.incomplete ? 2 : 1,
        assumptions: sts.assumed().length - assumedBefore,
        transitions: result.transitions,
        failedTargets: result.targets?.filter((outcome) => outcome.kind === 'failed').length ?? 0,
        heapMb: memory.heapUsed / 2 ** 20,
        rssMb: memory.rss / 2 ** 20,
      });
      progress(`${name}: ${calls} calls in ${seconds.toFixed(1)} s`);
    };
    await measure('first run (roles assumed)', 0);
    await measure('steady', 0);
    const changed = Math.round(options.jobsPerTarget * options.changeRate);
    for (const target of targets) {
      const fake = router.fakeOf(target.accountId, target.region);
      for (let i = 0; i < changed; i += 1) {
        fake.updateJob(DATASTORE, jobId(i), { status: 'COMPLETED', endedAt: new Date() });
      }
    }
    await measure(`${options.changeRate * 100} % of jobs finish`, changed);
    printFigures(options, figures);
  } finally {
    await router.stop();
    await sts.stop();
    await ddb.stop();
  }
}

const jobId = (i: number) => `job-${String(i).padStart(6, '0')}`;

/**
 * A target's fewest calls: one data store page; per active status (HealthLake filters on one status a call)
 * its pages, the running jobs still running when it lists; one page of the recently-submitted pass; and one
 * describe per job that finished, which neither filtered pass can show any more.
 */
function lowerBoundPerTarget(jobs: number, finishing: number): number {
  const [active] = listPasses(
    { definition: healthLakeDefinition } as ServiceAdapter,
    { fullSweep: false },
    new Date(),
  );
  const statuses = active?.rawStatuses ?? [];
  const running = Math.max(1, Math.ceil((jobs - finishing) / healthLakeDefinition.maxPageSize));
  return 1 + (statuses.length - 1) + running + 1 + finishing;
}

/**
 * The table as a poller that has run a while leaves it: the current item of every active job, from the
 * list pages the poller reads (HealthLake lists full snapshots), in batches of 25 without history.
 */
async function seed(client: DynamoDBClient, targets: readonly Target[]): Promise<void> {
  const doc = createDocumentClient(client);
  const now = new Date();
  for (const target of targets) {
    const credentials =
      target.accountId === HUB
        ? undefined
        : memberCredentials({
            partition: 'aws',
            target,
            roleName: DEFAULT_MEMBER_ROLE_NAME,
            service: 'healthlake',
            hubRegion: HUB_REGION,
            settings: {},
          });
    const adapter = healthLakeService.createAdapter(
      { settings: { ...(credentials && { credentials }) }, ...target, log: silentLog },
      process.env,
    );
    const items: Record<string, unknown>[] = [];
    for await (const listed of adapter.listJobs(DATASTORE, {})) {
      if (!listed.ok) throw listed.error;
      const plan = planRecord(undefined, listed.snapshot, STORE_SETTING_DEFAULTS, now);
      if (!plan.write) throw new Error('a new job always has a write');
      items.push(currentJobToItem(plan.write.current));
    }
    for (let i = 0; i < items.length; i += 25) {
      let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const result = await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: requests } }));
        requests = (result.UnprocessedItems?.[TABLE] ?? []) as typeof requests;
      }
    }
  }
}

function lambdaContext(): Context {
  return {
    functionName: 'healthlake-poller',
    invokedFunctionArn: `arn:aws:lambda:${HUB_REGION}:${HUB}:function:healthlake-poller`,
    getRemainingTimeInMillis: () => 300_000,
    awsRequestId: 'bench',
  } as Context;
}

function printFigures(options: ManyTargetOptions, figures: readonly CycleFigures[]): void {
  console.log(
    `## Many targets: HealthLake, ${options.targets} account-regions × ${options.jobsPerTarget} active jobs\n`,
  );
  console.log(
    '| cycle | calls | lower bound | calls / bound | cycle s | quota bound s | Lambda runs | role assumptions | transitions | failed targets | heap MB | RSS MB |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const f of figures) {
    console.log(
      `| ${f.name} | ${f.calls} | ${f.lowerBound} | ${(f.calls / f.lowerBound).toFixed(2)} | ${f.seconds.toFixed(1)} | ` +
        `${f.quotaBoundSeconds.toFixed(1)} | ${f.runs} | ${f.assumptions} | ${f.transitions} | ${f.failedTargets} | ` +
        `${f.heapMb.toFixed(0)} | ${f.rssMb.toFixed(0)} |`,
    );
  }
  console.log('');
}
