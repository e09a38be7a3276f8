import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { memberCredentials } from '../lambdas/aws/member-credentials.js';
import { DEFAULT_MEMBER_ROLE_NAME } from '../lambdas/contract/hub.js';
import { settingsEnvironment, variableOf } from '../lambdas/contract/settings.js';
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
import { LambdaStandIn } from '../local/fakes/lambda-standin.js';
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
/** The fan-out rows: batches of this many targets (5 batch runs at 50 targets). */
const FAN_OUT_TARGETS_PER_RUN = 10;

type Poll = (e: unknown, c: Context) => Promise<PollResult>;

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
      // DynamoDB Local answers the 50,000-item index read slowly on a loaded machine: a longer attempt.
      ...settingsEnvironment({
        tableName: TABLE,
        targets,
        fullSweepSeconds: 10 * 365 * 86_400,
        sdkRequestTimeoutMs: 60_000,
      }),
    });
    progress(`seeding ${targets.length * options.jobsPerTarget} active jobs`);
    await seed(client, targets);
    const figures: CycleFigures[] = [];
    const world = { router, sts, targets, jobs: options.jobsPerTarget, figures, progress };
    const poll = servicePoller(healthLakeService) as Poll;
    const single = (name: string, active: number, finishing: number) =>
      measure(world, name, active, finishing, async () => {
        const result = await poll({ kind: 'poll' }, lambdaContext());
        if (result.mode !== 'cycle') throw new Error('expected a cycle');
        return { runs: result.incomplete ? 2 : 1, results: [result] };
      });
    const changed = Math.round(options.jobsPerTarget * options.changeRate);
    const finish = (from: number) => finishJobs(router, targets, from, changed);
    await single('first run (roles assumed)', options.jobsPerTarget, 0);
    await single('steady', options.jobsPerTarget, 0);
    finish(0);
    await single(`${options.changeRate * 100} % of jobs finish`, options.jobsPerTarget, changed);

    await fanOutCycles(world, options.changeRate, changed, finish);
    printFigures(options, figures);
  } finally {
    await router.stop();
    await sts.stop();
    await ddb.stop();
  }
}

/**
 * The same hub fanning out in batches of `FAN_OUT_TARGETS_PER_RUN`: each batch goes to "its" warm
 * environment (a poller of its own), as Lambda reuses warm environments; a cycle ends when the last batch
 * run has. The first fanned cycle assumes every role again: new environments, new credentials.
 */
async function fanOutCycles(
  world: World,
  changeRate: number,
  changed: number,
  finish: (from: number) => void,
) {
  process.env[variableOf('fanOutTargetsPerRun')] = String(FAN_OUT_TARGETS_PER_RUN);
  const environments = new Map<string, Poll>();
  const batchResults: PollResult[] = [];
  const lambda = new LambdaStandIn(async (payload) => {
    const first = String((payload as { targets: string[] }).targets[0]);
    let child = environments.get(first);
    if (!child) {
      child = servicePoller(healthLakeService) as Poll;
      environments.set(first, child);
    }
    batchResults.push(await child(payload, lambdaContext()));
  });
  process.env.AWS_ENDPOINT_URL_LAMBDA = await lambda.start();
  const planner = servicePoller(healthLakeService) as Poll;
  const fanned = (name: string, active: number, finishing: number) =>
    measure(world, `fan-out ×${FAN_OUT_TARGETS_PER_RUN}: ${name}`, active, finishing, async () => {
      batchResults.length = 0;
      const result = await planner({ kind: 'poll' }, lambdaContext());
      await lambda.settled();
      if (result.mode !== 'fan-out') throw new Error('expected a fan-out');
      return { runs: 1 + result.dispatched, results: batchResults };
    });
  try {
    const active = world.jobs - changed;
    await fanned('first run (roles assumed)', active, 0);
    await fanned('steady', active, 0);
    finish(changed);
    await fanned(`${changeRate * 100} % of jobs finish`, active, changed);
  } finally {
    await lambda.stop();
    delete process.env[variableOf('fanOutTargetsPerRun')];
  }
}

interface World {
  readonly router: TenantRouter<HealthLakeFake>;
  readonly sts: StsStandIn;
  readonly targets: readonly Target[];
  readonly jobs: number;
  readonly figures: CycleFigures[];
  readonly progress: (line: string) => void;
}

/** One cycle's figures: calls to every target's fake, role assumptions, runs, and the process's memory. */
async function measure(
  world: World,
  name: string,
  active: number,
  finishing: number,
  cycle: () => Promise<{ readonly runs: number; readonly results: readonly PollResult[] }>,
): Promise<void> {
  const { router, sts, targets } = world;
  for (const fake of router.tenants().values()) fake.server.resetCalls();
  const assumedBefore = sts.assumed().length;
  const began = performance.now();
  const { runs, results } = await cycle();
  const seconds = (performance.now() - began) / 1000;
  const calls = [...router.tenants().values()].reduce((sum, fake) => sum + fake.server.calls.length, 0);
  const perTarget = lowerBoundPerTarget(active, finishing);
  const memory = process.memoryUsage();
  const cycles = results.flatMap((result) => (result.mode === 'cycle' ? [result] : []));
  world.figures.push({
    name,
    calls,
    lowerBound: perTarget * targets.length,
    seconds,
    // Each target's calls at its own list quota, TARGETS_AT_ONCE targets side by side in each run.
    quotaBoundSeconds:
      (Math.ceil(targets.length / TARGETS_AT_ONCE / Math.max(1, runs - 1)) * perTarget) /
      healthLakeDefinition.quotas.listPerSecond,
    runs,
    assumptions: sts.assumed().length - assumedBefore,
    transitions: cycles.reduce((sum, result) => sum + result.transitions, 0),
    failedTargets: cycles.reduce(
      (sum, result) => sum + (result.targets?.filter((outcome) => outcome.kind === 'failed').length ?? 0),
      0,
    ),
    heapMb: memory.heapUsed / 2 ** 20,
    rssMb: memory.rss / 2 ** 20,
  });
  world.progress(`${name}: ${calls} calls in ${seconds.toFixed(1)} s, ${runs} Lambda runs`);
  const failure = cycles
    .flatMap((result) => result.targets ?? [])
    .find((outcome) => outcome.kind === 'failed');
  if (failure) world.progress(`a target failed: ${JSON.stringify(failure)}`);
}

/** `count` jobs of every target, from job number `from` on, finish. */
function finishJobs(
  router: TenantRouter<HealthLakeFake>,
  targets: readonly Target[],
  from: number,
  count: number,
) {
  for (const target of targets) {
    const fake = router.fakeOf(target.accountId, target.region);
    for (let i = from; i < from + count; i += 1) {
      fake.updateJob(DATASTORE, jobId(i), { status: 'COMPLETED', endedAt: new Date() });
    }
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
