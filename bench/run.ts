import './env-defaults.js';
import { execSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { clientSettingsFromEnv } from '../lambdas/aws/client-config.js';
import {
  DEFAULT_SDK_MAX_ATTEMPTS,
  defaultOf,
  PROGRESS_REFRESH_BUDGET_SECONDS,
  recentWindowSecondsFor,
  settingsEnvironment,
} from '../lambdas/contract/settings.js';
import { silentLog } from '../lambdas/core/ports.js';
import { createDocumentClient } from '../lambdas/store/document-client.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../local/dynamodb-local.js';
import type { CallRecord } from '../local/fakes/fake-aws-server.js';
import { createJobsTable } from '../local/jobs-table.js';
import { measureBundles, printBundles } from './bundles.js';
import { printCosts } from './cost.js';
import { runManyTargets } from './many-targets.js';
import { MeteredDynamoClient } from './meter.js';
import { defaultMonitoringCost, ensureBundles, printMonitoringCosts } from './monitoring-cost.js';
import { NaivePoller } from './naive-poller.js';
import { type BenchOptions, parseOptions, USAGE, UsageError } from './options.js';
import { type OurCycle, OurPoller } from './our-poller.js';
import { applyQuotas, quotaBoundSeconds, quotaOf, speedupOf } from './quota.js';
import { printScenario } from './report.js';
import {
  addFigures,
  addPublisherFigures,
  emptyPollerFigures,
  type PollerFigures,
  type ScenarioResult,
  type ServiceResult,
} from './results.js';
import { seedTables } from './seed.js';
import { BENCH_SERVICES, type BenchService } from './services.js';
import { PublisherStandIn } from './stream.js';
import { callStretches, realTimeOf } from './timing.js';
import { type AppliedChanges, BENCH_ACCOUNT, BENCH_REGION, Workload } from './workload.js';

/** The stack's poller settings (lib/), except where the benchmark must differ; see BENCHMARKS.md. */
function pollerEnv(service: BenchService, tableName: string, speedup: number): NodeJS.ProcessEnv {
  const scheduleSeconds = service.id === 'entityresolution' ? 120 : 300;
  return {
    ...process.env,
    ...settingsEnvironment({
      tableName,
      scheduleSeconds,
      // Full sweeps are costed from page counts instead: one must not fall into a measured cycle by the clock.
      fullSweepSeconds: 10 * 365 * 86_400,
      recentWindowSeconds: recentWindowSecondsFor(scheduleSeconds),
      // Production runs every 300 s with both intervals at 300 s: every cycle finds a running job's refresh
      // due. The benchmark's cycles are seconds apart, so the intervals are cut to keep that true.
      progressRefreshSeconds: 1,
      progressIntervalSeconds: 1,
      concurrency: defaultOf('concurrency'),
      safetyMarginMs: 60_000,
      sdkMaxAttempts: DEFAULT_SDK_MAX_ATTEMPTS,
      sdkRequestTimeoutMs: defaultOf('sdkRequestTimeoutMs'),
      historyRetentionDays: defaultOf('historyRetentionDays'),
      // The benchmark runs `speedup` times faster than real time; the poller paces itself accordingly.
      quotaMultiplier: speedup,
      // The production default (30 s of the published describe rate), not scaled with the speed-up.
      progressRefreshLimit: Math.ceil(
        service.definition.quotas.describePerSecond * PROGRESS_REFRESH_BUDGET_SECONDS,
      ),
    }),
  };
}

interface ServiceRig {
  readonly service: BenchService;
  readonly speedup: number;
  readonly naiveSpeedup: number;
  readonly workload: Workload;
  readonly ours: OurPoller;
  readonly oursMeter: MeteredDynamoClient;
  readonly naive: NaivePoller;
  readonly naiveMeter: MeteredDynamoClient;
}

async function runSize(
  ddb: DynamoDbLocal,
  options: BenchOptions,
  size: number,
  progress: (line: string) => void,
): Promise<ScenarioResult[]> {
  const services = options.services.map((id) => BENCH_SERVICES[id]());
  await Promise.all(services.map((service) => service.start()));
  const admin = new MeteredDynamoClient(ddb.endpoint);
  const jobsTable = `bench-jobs-${size}`;
  const naiveTable = `bench-naive-${size}`;
  const rigs: ServiceRig[] = [];
  let events: PublisherStandIn | undefined;
  const publisherMeter = new MeteredDynamoClient(ddb.endpoint);
  try {
    await createJobsTable(admin.client, jobsTable);
    await admin.client.send(
      new CreateTableCommand({
        TableName: naiveTable,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const { Table } = await admin.client.send(new DescribeTableCommand({ TableName: jobsTable }));
    if (!Table?.LatestStreamArn) throw new Error('the jobs table has no stream');
    events = new PublisherStandIn(ddb.endpoint, Table.LatestStreamArn, publisherMeter, jobsTable);

    progress(`size ${size}: seeding ${size} active jobs per service`);
    const seededAt = new Date();
    const workloads = services.map((service, index) => new Workload(service, options.seed * 100 + index));
    const seedDoc = createDocumentClient(admin.client);
    const statuses = await Promise.all(
      services.map((service, index) =>
        seedTables({
          service,
          jobs: workloads[index]?.seedActive(size, seededAt) ?? [],
          ddb: seedDoc,
          jobsTable,
          now: seededAt,
        }),
      ),
    );
    progress(`size ${size}: seeded in ${((Date.now() - seededAt.getTime()) / 1000).toFixed(0)} s`);
    await events.drain();

    for (const [index, service] of services.entries()) {
      const speedup = speedupOf(service.id, options.wallRate);
      const env = pollerEnv(service, jobsTable, speedup);
      const oursMeter = new MeteredDynamoClient(ddb.endpoint);
      const naiveMeter = new MeteredDynamoClient(ddb.endpoint);
      rigs.push({
        service,
        speedup,
        naiveSpeedup: speedupOf(service.id, options.naiveWallRate),
        workload: workloads[index] as Workload,
        oursMeter,
        ours: new OurPoller(service, oursMeter, env, speedup),
        naiveMeter,
        naive: new NaivePoller({
          adapter: service.createAdapter({
            settings: clientSettingsFromEnv(env),
            region: BENCH_REGION,
            accountId: BENCH_ACCOUNT,
            log: silentLog,
          }),
          ddb: createDocumentClient(naiveMeter.client),
          tableName: naiveTable,
          since: seededAt,
          statuses: statuses[index] ?? new Map(),
        }),
      });
    }

    const results: ScenarioResult[] = [];
    const ratios = options.finishedRatio > 0 ? [0, options.finishedRatio] : [0];
    for (const ratio of ratios) {
      if (ratio > 0) {
        progress(`size ${size}: adding ${ratio * size} finished jobs per service`);
        for (const rig of rigs) rig.workload.seedFinished(ratio * size, new Date());
      }
      const scenario: ScenarioResult = {
        size,
        finishedRatio: ratio,
        cycles: options.cycles,
        services: rigs.map((rig) => ({
          service: rig.service.id,
          speedup: rig.speedup,
          active: size,
          finished: ratio * size,
          transitions: 0,
          lowerBoundPages: 0,
          lowerBoundTotal: 0,
          fullListingPages: 0,
          ours: emptyPollerFigures(),
          naive: naiveRuns(options, size, ratio) ? emptyPollerFigures() : undefined,
        })),
        ourCpuShare: 0,
        ourPeakHeapMb: 0,
        ourHeapGrowthMb: 0,
        naiveCpuShare: 0,
        maxRssMb: 0,
      };
      for (let cycle = 1; cycle <= options.cycles; cycle += 1) {
        progress(`size ${size}, finished ×${ratio}: cycle ${cycle}/${options.cycles}`);
        await runCycle(rigs, scenario, options, events, naiveRuns(options, size, ratio));
      }
      for (const [index, rig] of rigs.entries()) {
        const result = scenario.services[index] as ServiceResult;
        result.fullListingPages = rig.workload.fullListingPages();
      }
      scenario.maxRssMb = process.resourceUsage().maxRSS / 1024;
      results.push(scenario);
    }
    return results;
  } finally {
    for (const rig of rigs) {
      rig.oursMeter.destroy();
      rig.naiveMeter.destroy();
    }
    events?.destroy();
    publisherMeter.destroy();
    await Promise.all(services.map((service) => service.stop()));
    for (const table of [jobsTable, naiveTable]) {
      await admin.client.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    }
    admin.destroy();
  }
}

/** Whether the naive poller runs in this scenario (with finished jobs it only lists more pages). */
function naiveRuns(options: BenchOptions, size: number, finishedRatio: number): boolean {
  return options.naive && (finishedRatio === 0 || size <= options.naiveFinishedMaxSize);
}

async function runCycle(
  rigs: readonly ServiceRig[],
  scenario: ScenarioResult,
  options: BenchOptions,
  events: PublisherStandIn,
  withNaive: boolean,
): Promise<void> {
  const now = new Date();
  const changes: AppliedChanges[] = rigs.map((rig) => rig.workload.applyChanges(options.changeRate, now));
  for (const [index, rig] of rigs.entries()) {
    const result = scenario.services[index] as ServiceResult;
    const change = changes[index] as AppliedChanges;
    const bound = rig.workload.lowerBound(change.changedKeys.size);
    result.transitions += change.transitions;
    result.lowerBoundPages += bound.listPages;
    result.lowerBoundTotal += bound.total;
  }

  // Our poller, one service after the other: all five at once would measure DynamoDB Local's transaction
  // throughput (a few hundred a second on one JVM), not the poller.
  prepare(
    rigs,
    options,
    (rig) => rig.speedup,
    (rig) => rig.oursMeter.reset(),
  );
  const sampler = heapSampler();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const cycles: OurCycle[] = [];
  for (const rig of rigs) cycles.push(await rig.ours.cycle(options.maxRuns));
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  scenario.ourCpuShare = Math.max(scenario.ourCpuShare, (cpu.user + cpu.system) / 1000 / wall);
  const peakMb = sampler.stop();
  scenario.ourPeakHeapMb = Math.max(scenario.ourPeakHeapMb, peakMb);
  scenario.ourHeapGrowthMb = Math.max(scenario.ourHeapGrowthMb, peakMb - sampler.before / 1024 / 1024);
  const published = await events.drain();
  for (const [index, rig] of rigs.entries()) {
    const cycle = cycles[index];
    if (!cycle) continue;
    const figures = callFigures(rig, rig.service.server.calls);
    const ddb = rig.oursMeter.reset();
    const reports = cycle.reports;
    figures.throttled = reports.reduce((sum, report) => sum + (report.errors.throttled ?? 0), 0);
    figures.errors =
      reports.reduce((sum, report) => sum + Object.values(report.errors).reduce((a, b) => a + b, 0), 0) -
      figures.throttled;
    figures.refreshDescribes = reports.reduce(
      (sum, report) => sum + ((report as { progressRefreshes?: number }).progressRefreshes ?? 0),
      0,
    );
    const publisher = published.get(rig.service.id);
    figures.writeUnits = ddb.writeUnits + (publisher?.writeUnits ?? 0);
    figures.readUnits = ddb.readUnits;
    figures.itemsWritten = ddb.itemsWritten + (publisher?.historyItems ?? 0);
    addPublisherFigures(figures, publisher);
    const changed = changes[index]?.changedKeys ?? new Set<string>();
    // Jobs only: the poller's list cursor (`LIST#<service>`) is counted in the write units, not here.
    figures.unchangedWritten = [...ddb.writtenKeys].filter(
      (pk) => pk.startsWith('JOB#') && !changed.has(pk.replace(/^JOB#/, '')),
    ).length;
    figures.wallMs = cycle.timings.reduce((sum, timing) => sum + timing.wallMs, 0);
    figures.serviceWallMs = cycle.timings.reduce((sum, timing) => sum + timing.serviceWallMs, 0);
    figures.realMs = cycle.timings.reduce((sum, timing) => sum + timing.realMs, 0);
    figures.runs = reports.length;
    figures.incomplete = reports.at(-1)?.incomplete ? 1 : 0;
    addFigures((scenario.services[index] as ServiceResult).ours, figures);
    if (options.verbose) {
      const last = reports.at(-1);
      process.stderr.write(
        `  ours ${rig.service.id}: runs ${reports.length}, wall ${figures.wallMs.toFixed(0)} ms ` +
          `(service-bound ${figures.serviceWallMs.toFixed(0)}), real ${(figures.realMs / 1000).toFixed(1)} s, ` +
          `bound ${(figures.boundMs / 1000).toFixed(1)} s, ddb ${ddb.busyMs.toFixed(0)} ms busy, ` +
          `describes ${last?.describes}, transitions ${last?.transitions}, skipped ${last?.skipped}\n`,
      );
    }
  }

  if (!withNaive) return;
  // The naive poller, on the same state (its own table is in step with the services after its last cycle).
  prepare(
    rigs,
    options,
    (rig) => rig.naiveSpeedup,
    (rig) => rig.naiveMeter.reset(),
  );
  const naiveCpuBefore = process.cpuUsage();
  const naiveStarted = performance.now();
  const naive = await Promise.all(
    rigs.map(async (rig) => {
      const from = performance.now();
      const report = await rig.naive.cycle();
      return { report, window: { from, to: performance.now() } };
    }),
  );
  const naiveWall = performance.now() - naiveStarted;
  const naiveCpu = process.cpuUsage(naiveCpuBefore);
  scenario.naiveCpuShare = Math.max(
    scenario.naiveCpuShare,
    (naiveCpu.user + naiveCpu.system) / 1000 / naiveWall,
  );
  for (const [index, rig] of rigs.entries()) {
    const run = naive[index];
    const into = (scenario.services[index] as ServiceResult).naive;
    if (!run || !into) continue;
    const figures = callFigures(rig, rig.service.server.calls);
    const ddb = rig.naiveMeter.reset();
    figures.throttled = run.report.errors.throttled ?? 0;
    figures.errors = Object.values(run.report.errors).reduce((a, b) => a + b, 0) - figures.throttled;
    const publisher = published.get(rig.service.id);
    figures.writeUnits = ddb.writeUnits + (publisher?.writeUnits ?? 0);
    figures.readUnits = ddb.readUnits;
    figures.itemsWritten = ddb.itemsWritten + (publisher?.historyItems ?? 0);
    addPublisherFigures(figures, publisher);
    const changed = changes[index]?.changedKeys ?? new Set<string>();
    figures.unchangedWritten = [...ddb.writtenKeys].filter((pk) => !changed.has(pk)).length;
    figures.events = run.report.events;
    // The naive poller has no pacing of its own: a call waits at most one slot of the service's quota.
    const slotMs = (operation: string) => {
      const quota = quotaOf(rig.service.id, operation);
      return quota ? 1000 / (quota.ratePerSecond * rig.naiveSpeedup) : 0;
    };
    const timing = realTimeOf(callStretches(rig.service.server.calls, slotMs), run.window, rig.naiveSpeedup);
    figures.wallMs = timing.wallMs;
    figures.serviceWallMs = timing.serviceWallMs;
    figures.realMs = timing.realMs;
    figures.runs = 1;
    addFigures(into, figures);
  }
}

/**
 * Before each poller's turn: the services at that poller's speed-up (quotas and latency), full buckets (a
 * quiet spell), fresh call logs and meters.
 */
function prepare(
  rigs: readonly ServiceRig[],
  options: BenchOptions,
  speedupFor: (rig: ServiceRig) => number,
  resetMeter: (rig: ServiceRig) => void,
): void {
  for (const rig of rigs) {
    applyQuotas(rig.service.server, rig.service.id, speedupFor(rig));
    rig.service.server.latencyMs = options.latencyMs / speedupFor(rig);
    rig.service.server.resetCalls();
    resetMeter(rig);
  }
}

/** Calls from the fake's log, by kind, and the quota bound they imply. */
function callFigures(rig: ServiceRig, calls: readonly CallRecord[]): PollerFigures {
  const figures = emptyPollerFigures();
  const byOperation = new Map<string, number>();
  const { describeOperation, listOperation } = rig.service.definition;
  for (const call of calls) {
    if (call.overQuota) {
      figures.overQuota += 1;
      continue;
    }
    byOperation.set(call.operation, (byOperation.get(call.operation) ?? 0) + 1);
    if (call.operation === describeOperation) figures.describeCalls += 1;
    else if (call.operation === listOperation) figures.listCalls += 1;
    else figures.scopeCalls += 1;
  }
  figures.boundMs = quotaBoundSeconds(rig.service.id, byOperation) * 1000;
  return figures;
}

/** Peak heap while our cycles run, and how far it rose above the heap before them (fakes, workload). */
function heapSampler(): { stop(): number; readonly before: number } {
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 50);
  return {
    before,
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().heapUsed) / 1024 / 1024;
    },
  };
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let nproc = String(cpus().length);
  try {
    nproc = execSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // cpus().length stands in
  }
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  return `${nproc} CPUs (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB memory, Node ${process.version}, ${process.platform}/${process.arch}; load average at start ${load}`;
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) console.error(error.message);
      console.error(USAGE);
      process.exitCode = error.message ? 2 : 0;
      return;
    }
    throw error;
  }
  const progress = (line: string) => process.stderr.write(`[bench ${new Date().toISOString()}] ${line}\n`);
  if (options.targets !== undefined) {
    console.log(`# Many-target benchmark\n\n- machine: ${machine()}\n- date: ${new Date().toISOString()}\n`);
    const jobsPerTarget = options.targetJobs ?? 1000;
    await runManyTargets(
      { targets: options.targets, jobsPerTarget, changeRate: options.changeRate },
      progress,
    );
    return;
  }
  const began = Date.now();
  console.log('# Poll cycle benchmark\n');
  console.log(`- command: \`npm run bench -- ${process.argv.slice(2).join(' ')}\``.replace(' -- `', '`'));
  console.log(`- machine: ${machine()}`);
  console.log(`- date: ${new Date().toISOString()}`);
  console.log(
    `- sizes ${options.sizes.join(', ')} active jobs per service; ${options.changeRate * 100} % change per cycle; ` +
      `finished ×${options.finishedRatio}; latency ${options.latencyMs} ms; ${options.cycles} cycle(s) per scenario; ` +
      `wall rate ${options.wallRate}/s (naive ${options.naiveWallRate}/s); up to ${options.maxRuns} runs per cycle`,
  );
  const speedups = options.services
    .map((id) => `${id} ×${speedupOf(id, options.wallRate)} (naive ×${speedupOf(id, options.naiveWallRate)})`)
    .join(', ');
  console.log(`- speed-up per service (times are reported in real seconds): ${speedups}\n`);

  const all: ScenarioResult[] = [];
  for (const size of options.sizes) {
    // A fresh DynamoDB Local for each size: one JVM slows down as it fills up and ages.
    const ddb = await startDynamoDbLocal();
    try {
      for (const scenario of await runSize(ddb, options, size, progress)) {
        all.push(scenario);
        const baseline = all.find((other) => other.size === size && other.finishedRatio === 0);
        printScenario(scenario, baseline !== scenario ? baseline : undefined);
      }
    } finally {
      await ddb.stop();
    }
  }
  await ensureBundles();
  printCosts(all, options, defaultMonitoringCost({ services: [...options.services] }).total);
  printMonitoringCosts();
  if (options.bundles) {
    progress('bundles: building and loading each Lambda entry');
    printBundles(await measureBundles());
  }
  console.log(
    `\nPeak resident memory of the benchmark process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB.`,
  );
  console.log(`Benchmark wall time: ${((Date.now() - began) / 1000).toFixed(0)} s.`);
}

await main();
