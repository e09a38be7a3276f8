import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { serviceFacts } from '../../lambdas/contract/services.js';
import { settingsEnvironment } from '../../lambdas/contract/settings.js';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { SERVICE_IDS, type ServiceId } from '../../lambdas/core/service-id.js';
import type { PollResult } from '../../lambdas/handlers/poll-handler.js';
import { createDocumentClient, localClientConfig } from '../../lambdas/store/document-client.js';
import { recordFromItem } from '../../lambdas/store/item-codec.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../dynamodb-local.js';
import { EventBridgeStandIn } from '../eventbridge-standin/standin.js';
import type { FakeRequest } from '../fakes/fake-aws-server.js';
import { createJobsTable } from '../jobs-table.js';
import { lambdaContext } from '../runner/lambda-context.js';
import { type RelayStats, type StreamHandler, StreamRelay } from '../runner/stream-relay.js';
import { LOCAL_SERVICES } from '../services/registry.js';
import { Prng } from '../simulator/prng.js';
import { IMAGING_OUTPUT_BUCKET, type SimulatedJob, Simulator } from '../simulator/simulator.js';
import { type CheckResult, checkRun, type DeliveredEvent, type TruthJob } from './checker.js';
import {
  CALL_FAULTS,
  DEFAULT_RATES,
  type FaultRates,
  fakeFaultOf,
  type PlannedCallFault,
  planRound,
  type RoundPlan,
  type RunFault,
  type Targets,
} from './fault-plan.js';
import { killedPoll } from './killed-run.js';
import type { LogCapture } from './log-capture.js';
import { type Delivery, NativePostOffice, nativeEventFor } from './native-events.js';
import { anotherPoller, loadPoller, type PollHandler } from './pollers.js';
import { detailProblems, type Finding, type Needle, scanLines } from './security.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * A chaos run: the simulator's five services, the real poller handlers and the real publisher handler on
 * DynamoDB Local (behind a proxy that can take it away) and its stream, with faults from a seeded plan.
 *
 * Each simulator tick gets a chaotic round (faults on) and then a clean round (the next scheduled run,
 * faults off), then the outbox is drained. The clean round is what makes "nothing is lost" checkable: every
 * status lasts at least one tick, so every status is held at one clean round at least, and whatever the
 * faults did to the earlier round, the aggregator must end up with every status recorded and emitted once
 * it gets one good look at the job. The chaotic round is where the faults must not do damage: no spurious
 * record, no regression, no second id for a transition, no whole-cycle failure from a one-job fault.
 *
 * Settings are read by the handlers at module load, as in Lambda: one run per process.
 */
export interface ChaosOptions {
  readonly seed: number;
  readonly services?: readonly ServiceId[];
  readonly jobsPerService: number;
  /** Ticks with faults; the run stops earlier when every job has finished. */
  readonly cycles: number;
  /** Simulator speed: divides every duration (a status still lasts at least one tick). */
  readonly speed?: number;
  readonly rates?: Partial<FaultRates>;
  /** Make the first rounds inject each kind of fault at least once (for short runs). */
  readonly coverEveryFault?: boolean;
  /** An already running DynamoDB Local; one is started otherwise. */
  readonly dynamodbEndpoint?: string;
  /**
   * Throttle bursts hit a fresh poller instance that is then thrown away. The SDK's adaptive retry makes a
   * throttled client send slowly for a long while after; a short run (the test) cannot afford that.
   */
  readonly isolateThrottles?: boolean;
  /** Scales the services' published rates the pollers pace their calls at (default 50: the fakes are fast). */
  readonly quotaMultiplier?: number;
  /** Time for one SDK attempt (a hung call lasts this long); default 1000 ms. */
  readonly requestTimeoutMs?: number;
  /** Captures the handlers' log lines (started by the caller) for the security scan. */
  readonly capture?: LogCapture;
  /** Progress lines. */
  readonly progress?: (line: string) => void;
}

export interface CycleFigures {
  /** Poll invocations (all runs, chaotic and clean). */
  total: number;
  /** Stopped early by the time limit (not failures: the next run resumes). */
  incomplete: number;
  /** Invocations that threw: the whole cycle failed. */
  failedWhole: number;
  /** Of those, by what was wrong in that round. */
  readonly failedWholeBy: Record<string, number>;
  /** Per-job errors the cycles reported, by kind. */
  readonly jobErrors: Record<string, number>;
  /** Killed runs: child processes killed after a committed write. */
  killed: number;
  /** Native-event refreshes, and how many failed (per job, logged). */
  refreshes: number;
  refreshesFailed: number;
  /** Wall time of every poll run, in ms (the time-limited ones included). */
  readonly durationsMs: number[];
  /** What each whole-run failure said, with its service and what it was put down to. */
  readonly failures: string[];
}

export interface ChaosReport {
  readonly seed: number;
  readonly services: readonly ServiceId[];
  readonly jobsPerService: number;
  readonly ticks: number;
  readonly rounds: number;
  readonly durationMs: number;
  readonly check: CheckResult;
  readonly faults: Record<string, number>;
  readonly cycles: CycleFigures;
  /** The stream relay's figures (the runner's), and invocations whose result was thrown away on purpose. */
  readonly publisher: RelayStats & { readonly discarded: number };
  readonly logLines: number;
  readonly logFindings: readonly Finding[];
  readonly eventsValidated: number;
  readonly eventProblems: readonly string[];
  readonly unfinishedJobs: number;
}

/** Fake credentials the handlers run with; they must never show up in a log line. */
export const CHAOS_CREDENTIALS = {
  accessKeyId: 'AKIACHAOSFAKEKEY0001',
  secretAccessKey: 'chaos-secret-access-key-must-never-be-logged',
  sessionToken: 'chaos-session-token-must-never-be-logged',
} as const;

const SAFETY_MARGIN_MS = 1_000;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const run = new ChaosRun(options);
  try {
    await run.start();
    return await run.run();
  } finally {
    await run.stop();
  }
}

class ChaosRun {
  private readonly services: readonly ServiceId[];
  private readonly rates: FaultRates;
  private readonly rng: Prng;
  private readonly post: NativePostOffice;
  private ddb: DynamoDbLocal | undefined;
  private proxyInstance: TcpProxy | undefined;
  private sim: Simulator | undefined;
  private bus: EventBridgeStandIn | undefined;
  private dynamodb: DynamoDBClient | undefined;
  private streams: DynamoDBStreamsClient | undefined;
  private relay: StreamRelay | undefined;
  /** The next publisher invocation "times out" after its work: Lambda then retries the whole batch. */
  private discardNext = false;
  private discarded = 0;
  private readonly pollers = new Map<ServiceId, PollHandler>();
  private readonly extraPollers = new Map<ServiceId, PollHandler[]>();
  private readonly observed = new Map<string, string[]>();
  private readonly faults: Record<string, number> = {};
  private readonly cycles: CycleFigures = {
    total: 0,
    incomplete: 0,
    failedWhole: 0,
    failedWholeBy: {},
    jobErrors: {},
    killed: 0,
    refreshes: 0,
    refreshesFailed: 0,
    durationsMs: [],
    failures: [],
  };
  private rounds = 0;
  /** A fresh table per run, so a shared DynamoDB Local never hands a run another run's items. */
  private readonly tableName = `chaos-jobs-${process.pid}-${Date.now()}`;

  constructor(private readonly options: ChaosOptions) {
    this.services = options.services ?? SERVICE_IDS;
    this.rates = { ...DEFAULT_RATES, ...options.rates };
    // The faults' own stream of the seed: a change to the simulator's draws never moves the faults.
    this.rng = new Prng((options.seed ^ 0x5eed_c4a0) >>> 0);
    this.post = new NativePostOffice(this.rng.fork());
  }

  private get proxy(): TcpProxy {
    return this.required(this.proxyInstance);
  }

  async start(): Promise<void> {
    let endpoint = this.options.dynamodbEndpoint;
    if (!endpoint) {
      this.ddb = await startDynamoDbLocal();
      endpoint = this.ddb.endpoint;
    }
    this.proxyInstance = new TcpProxy({ host: '127.0.0.1', port: Number(new URL(endpoint).port) });
    await this.proxyInstance.start();

    const sim = new Simulator({
      services: this.services,
      jobsPerService: this.options.jobsPerService,
      seed: this.options.seed,
      speed: this.options.speed ?? 1,
      // Every fault is this run's, from its own plan.
      throttleRate: 0,
      finishedBeforeStart: 1,
    });
    await sim.start();
    this.sim = sim;
    const busRng = this.rng.fork();
    this.bus = new EventBridgeStandIn({
      region: sim.region,
      accountId: sim.accountId,
      random: () => busRng.next(),
    });
    await this.bus.start();

    const env: Record<string, string> = {
      AWS_REGION: sim.region,
      AWS_ACCESS_KEY_ID: CHAOS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CHAOS_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: CHAOS_CREDENTIALS.sessionToken,
      CHAOS_ACCOUNT_ID: sim.accountId,
      AWS_ENDPOINT_URL_DYNAMODB: this.proxy.endpoint,
      AWS_ENDPOINT_URL_S3: sim.s3.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: this.bus.endpoint,
      AWS_ENDPOINT_URL_SQS: this.bus.deadLetterEndpoint,
      ...settingsEnvironment({
        tableName: this.tableName,
        imagingManifestLocations: [`s3://${IMAGING_OUTPUT_BUCKET}`],
        eventBusName: 'chaos-bus',
        deadLetterQueueUrl: this.bus.deadLetterQueueUrl,
        sdkMaxAttempts: this.rates.sdkMaxAttempts,
        sdkRequestTimeoutMs: this.options.requestTimeoutMs ?? 1_000,
        safetyMarginMs: SAFETY_MARGIN_MS,
        // The pollers pace their calls at the services' published rates; the fakes enforce none.
        quotaMultiplier: this.options.quotaMultiplier ?? 50,
      }),
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_DEV: 'false',
    };
    for (const [service, endpointUrl] of sim.endpoints()) {
      env[`AWS_ENDPOINT_URL_${serviceFacts(service).endpointEnvSuffix}`] = endpointUrl;
    }
    Object.assign(process.env, env);

    // After the credentials: DynamoDB Local keeps one namespace of tables per access key and region.
    this.dynamodb = new DynamoDBClient(localClientConfig(endpoint, sim.region));
    this.streams = new DynamoDBStreamsClient(localClientConfig(endpoint, sim.region));
    await createJobsTable(this.dynamodb, this.tableName);

    for (const service of this.services) {
      this.pollers.set(service, await loadPoller(service));
      this.extraPollers.set(service, [anotherPoller(service), anotherPoller(service)]);
    }
    const publisher = (await import('../../lambdas/handlers/publisher.js')) as { handler: StreamHandler };
    const handler: StreamHandler = async (event, context) => {
      const response = await publisher.handler(event, context);
      const published = event.Records.some((record) => record.dynamodb?.NewImage?.sk?.S === 'CURRENT');
      if (this.discardNext && published) {
        this.discardNext = false;
        this.discarded += 1;
        throw new Error('Task timed out after the handler had done its work');
      }
      return response;
    };
    // The runner's stream relay: Lambda's event source mapping on DynamoDB Local's stream (read directly,
    // not through the proxy: the stream stays up when the table's endpoint goes away for the pollers).
    this.relay = new StreamRelay({
      streams: this.streams,
      dynamodb: this.dynamodb,
      tableName: this.tableName,
      region: sim.region,
      handler,
      context: () => this.context('job-status-publisher'),
      pollMs: 100,
      maxRetries: 20,
    });
    await this.relay.start();
  }

  async stop(): Promise<void> {
    await this.relay?.stop();
    this.proxyInstance?.onResponse(undefined);
    await this.proxyInstance?.stop();
    await this.sim?.stop();
    await this.bus?.stop();
    this.dynamodb?.destroy();
    this.streams?.destroy();
    await this.ddb?.stop();
  }

  async run(): Promise<ChaosReport> {
    const started = Date.now();
    const sim = this.required(this.sim);
    let tick = 0;
    const coverage = this.options.coverEveryFault ? coveragePlans() : [];
    for (; tick < this.options.cycles; tick += 1) {
      if (tick > 0 && sim.allFinished()) break;
      this.countCallFaults();
      const result = sim.advance();
      const fresh: Delivery[] = [];
      const busy = [
        ...new Set([...result.arrived, ...result.moved.map((move) => move.job)].map((job) => job.service)),
      ];
      for (const job of [...result.arrived, ...result.moved.map((move) => move.job)]) {
        const status = job.statuses.at(-1)?.rawStatus;
        const event = status && nativeEventFor(job.service, job, status);
        if (event) fresh.push({ service: job.service, event });
      }
      const forced = coverage.shift() ?? [];
      const plan = forced.reduce(
        (drawn, fault, index) => this.withCoverage(drawn, fault, index),
        planRound(this.rng, this.targets(busy), this.rates),
      );
      const before = forced.map((fault) => this.effect(fault));
      const begun = Date.now();
      await this.chaoticRound(plan, fresh);
      const chaotic = Date.now() - begun;
      // A forced run fault that found nothing to act on (no write to kill, no work to cut) goes again.
      const missed = forced.filter(
        (fault, index) => fault.kind !== 'call' && this.effect(fault) === before[index],
      );
      if (missed.length > 0) coverage.unshift(missed);
      await this.cleanRound();
      this.observe();
      this.options.progress?.(
        `tick ${sim.tick}: ${sim.watchedJobs().length} jobs, ${this.cycles.total} runs, ${this.cycles.failedWhole} whole-run failures, chaotic round ${chaotic} ms, clean round ${Date.now() - begun - chaotic} ms`,
      );
    }
    // Settle: held-back native events arrive, two clean rounds, and the outbox runs dry.
    this.countCallFaults();
    await this.deliverNative(this.post.flush());
    await this.cleanRound();
    await this.cleanRound();
    this.observe();
    await this.drain();
    this.countCallFaults();
    return await this.report(tick, Date.now() - started);
  }

  /** The faults of one tick: call faults armed, then every service polled in turn, then the outbox. */
  private async chaoticRound(plan: RoundPlan, fresh: readonly Delivery[]): Promise<void> {
    this.rounds += 1;
    const bus = this.required(this.bus);
    bus.entryFailureRate = plan.entryFailureRate;
    // Kept until a batch with history in it comes: that is the retry that makes duplicates.
    if (plan.publisherRetried) this.discardNext = true;
    if (plan.putEventsFailures > 0) bus.server.inject('PutEvents', 'server-error', plan.putEventsFailures);
    if (plan.deadLetterFailures > 0) {
      bus.deadLetterServer.inject('SendMessageBatch', 'server-error', plan.deadLetterFailures);
      bus.deadLetterServer.inject('SendMessage', 'server-error', plan.deadLetterFailures);
    }
    const deliveries = this.post.take(fresh, plan.native);
    for (const runs of plan.concurrent.values()) if (runs > 1) this.count('concurrent-pollers');
    for (const service of this.services) {
      await this.pollService(
        service,
        plan,
        deliveries.filter((delivery) => delivery.service === service),
      );
    }
    await this.drain();
    this.clearFaults();
  }

  private async cleanRound(): Promise<void> {
    this.rounds += 1;
    this.clearFaults();
    for (const service of this.services) {
      await this.invokePoll(service, this.required(this.pollers.get(service)), undefined, () => undefined);
    }
    await this.drain();
  }

  private async pollService(
    service: ServiceId,
    plan: RoundPlan,
    deliveries: readonly Delivery[],
  ): Promise<void> {
    const outage = plan.outage?.service === service ? plan.outage : undefined;
    let outageStarted = false;
    const timer = outage
      ? setTimeout(() => {
          outageStarted = true;
          this.count('dynamodb-outage');
          this.proxy.startOutage(outage.mode, outage.forMs);
        }, outage.afterMs)
      : undefined;
    // What a whole-run failure is put down to: the outage only if it had begun.
    const cause = () => (outageStarted ? 'dynamodb-outage' : undefined);
    const server = this.required(this.sim).drivers.get(service)?.server;
    const arm = (faults: readonly PlannedCallFault[]) => {
      for (const fault of faults)
        server?.inject(fault.operation, fakeFaultOf(fault.kind), fault.times, matcher(fault));
    };
    const faults = plan.callFaults.filter((fault) => fault.service === service);
    if (this.options.isolateThrottles) {
      // A throttled client rate-limits itself for a long while (adaptive retry): let a fresh instance take
      // the burst and be thrown away, so a short run stays short.
      const throttles = faults.filter((fault) => fault.kind === 'throttle-burst');
      if (throttles.length > 0) {
        arm(throttles);
        await this.invokePoll(service, anotherPoller(service), undefined, cause);
        server?.clearFaults();
      }
      arm(faults.filter((fault) => fault.kind !== 'throttle-burst'));
    } else {
      arm(faults);
    }
    try {
      if (plan.kill?.service === service) {
        await this.killedRun(service, plan.kill.afterWrites);
        await this.deliverNative(deliveries);
        return;
      }
      const primary = this.required(this.pollers.get(service));
      const runs = [primary, ...(this.extraPollers.get(service) ?? [])].slice(
        0,
        plan.concurrent.get(service) ?? 1,
      );
      const budget = plan.timeLimits.get(service);
      if (budget !== undefined) this.count('time-limit');
      await Promise.all([
        ...runs.map((handler, index) =>
          this.invokePoll(service, handler, index === 0 ? budget : undefined, cause),
        ),
        this.deliverNative(deliveries),
      ]);
    } finally {
      clearTimeout(timer);
      this.proxy.restore();
    }
  }

  private async invokePoll(
    service: ServiceId,
    handler: PollHandler,
    budgetMs: number | undefined,
    cause: () => string | undefined,
  ): Promise<void> {
    // A time limit: the run's clock starts just above the safety margin and runs out mid-cycle.
    const timeoutMs = budgetMs === undefined ? 300_000 : SAFETY_MARGIN_MS + budgetMs;
    this.cycles.total += 1;
    const begun = Date.now();
    try {
      const result = await handler({ kind: 'poll' }, this.context(`job-poller-${service}`, timeoutMs));
      if (result.mode === 'cycle') {
        if (result.incomplete) this.cycles.incomplete += 1;
        for (const [kind, count] of Object.entries(result.errors)) add(this.cycles.jobErrors, kind, count);
      }
    } catch (error) {
      const why = cause();
      this.cycles.failedWhole += 1;
      add(this.cycles.failedWholeBy, why ?? 'one-job faults', 1);
      const line = `${service} run failed as a whole (${why ?? 'no global fault'}): ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      this.cycles.failures.push(line);
      this.options.progress?.(`  ${line}`);
    } finally {
      this.cycles.durationsMs.push(Date.now() - begun);
    }
  }

  private async deliverNative(deliveries: readonly Delivery[]): Promise<void> {
    // One after the other, as EventBridge invokes a function per event; the order is the post office's.
    for (const delivery of deliveries) {
      const handler = this.required(this.pollers.get(delivery.service));
      this.cycles.refreshes += 1;
      try {
        const result: PollResult = await handler(
          delivery.event,
          this.context(`job-poller-${delivery.service}`),
        );
        if (result.mode === 'refresh' && result.kind === 'failed') this.cycles.refreshesFailed += 1;
      } catch {
        this.cycles.refreshesFailed += 1;
      }
    }
  }

  /** A poll in a child process, killed outright right after DynamoDB committed one of its writes. */
  private async killedRun(service: ServiceId, afterWrites: number): Promise<void> {
    this.cycles.total += 1;
    const run = await killedPoll(service, this.proxy, afterWrites);
    this.options.capture?.lines.push(...run.lines);
    if (run.killed) {
      this.cycles.killed += 1;
      this.count('killed-run');
    } else if (run.exitCode === 0) {
      // It wrote nothing this time: a run that ended before the chosen write.
      this.count('killed-run-finished-first');
    } else {
      this.cycles.failedWhole += 1;
      add(this.cycles.failedWholeBy, 'child process error', 1);
      const line = `${service} child run exited with ${run.exitCode}: ${run.lines.slice(-3).join(' | ')}`;
      this.cycles.failures.push(line);
      this.options.progress?.(`  ${line}`);
    }
  }

  private async drain(): Promise<void> {
    await this.required(this.relay).drain();
  }

  private clearFaults(): void {
    const sim = this.required(this.sim);
    const bus = this.required(this.bus);
    for (const driver of sim.drivers.values()) driver.server.clearFaults();
    bus.server.clearFaults();
    bus.deadLetterServer.clearFaults();
    bus.entryFailureRate = 0;
    this.proxy.restore();
  }

  /** What a clean round saw: each watched job's status now. */
  private observe(): void {
    for (const job of this.required(this.sim).watchedJobs()) {
      const status = job.statuses.at(-1)?.rawStatus;
      if (status === undefined) continue;
      const list = this.observed.get(job.jobKey) ?? [];
      if (list.at(-1) !== status) list.push(status);
      this.observed.set(job.jobKey, list);
    }
  }

  private targets(busy: readonly ServiceId[] = []): Targets {
    const sim = this.required(this.sim);
    const byService = new Map<
      ServiceId,
      Targets['byService'] extends ReadonlyMap<ServiceId, infer V> ? V : never
    >();
    for (const service of this.services) {
      const jobs = sim.watchedJobs().filter((job) => job.service === service && !isDone(job));
      const definition = LOCAL_SERVICES[service].definition;
      byService.set(service, {
        describeOperation: definition.describeOperation,
        listOperation: definition.listOperation,
        jobIds: jobs.map((job) => job.jobId),
        scopes: [...new Set(jobs.map((job) => job.scope).filter((scope): scope is string => Boolean(scope)))],
      });
    }
    return { services: this.services, busy, byService };
  }

  /** A counter that grows when a forced run fault had its effect. */
  private effect(fault: Forced): number {
    const bus = this.required(this.bus);
    switch (fault.kind) {
      case 'killed-run':
        return this.cycles.killed;
      case 'time-limit':
        return this.cycles.incomplete;
      case 'putevents-total':
        return bus.deadLetters.length;
      case 'dead-letter-queue-down':
        return bus.deadLetterServer.calls.filter((call) => call.fault).length;
      case 'publisher-retried':
        return this.discarded;
      case 'putevents-partial':
        return bus.refused.get('ThrottlingException') ?? 0;
      case 'native':
        return this.post.counts.duplicated + this.post.counts.delayed;
      default:
        return Number.NaN; // always counted as done
    }
  }

  /** Lays a forced fault of a coverage run over a drawn plan; `index` spreads them over the services. */
  private withCoverage(plan: RoundPlan, forced: Forced, index: number): RoundPlan {
    // A throttle goes where the describes are sure to come (summary lists: every new job is described).
    const throttle = forced.kind === 'call' && forced.fault === 'throttle-burst';
    const service =
      throttle && this.services.includes('entityresolution')
        ? 'entityresolution'
        : (this.services[index % this.services.length] as ServiceId);
    const targets = this.targets().byService.get(service);
    switch (forced.kind) {
      case 'call': {
        // Lists are called every run; describes only for jobs that changed.
        const onList = forced.fault === 'expired-token' || forced.fault === 'hang';
        const pool = onList ? targets?.scopes : targets?.jobIds;
        const target = pool?.[0];
        const extra: PlannedCallFault = {
          kind: forced.fault,
          service,
          operation: (onList ? targets?.listOperation : targets?.describeOperation) ?? '',
          target,
          times:
            forced.fault === 'throttle-burst' || forced.fault === 'server-error'
              ? this.rates.sdkMaxAttempts
              : 1,
        };
        return { ...plan, callFaults: [...plan.callFaults, extra] };
      }
      case 'dynamodb-outage':
        return { ...plan, outage: { service, mode: 'refuse', afterMs: 5, forMs: 400 } };
      case 'time-limit':
        return { ...plan, timeLimits: new Map([...plan.timeLimits, [service, 20]]) };
      case 'killed-run':
        return { ...plan, kill: { service, afterWrites: 1 } };
      case 'concurrent-pollers':
        return { ...plan, concurrent: new Map([...plan.concurrent, [service, 3]]) };
      case 'putevents-partial':
        return { ...plan, entryFailureRate: 0.5 };
      case 'putevents-total':
        return { ...plan, putEventsFailures: 20 };
      case 'dead-letter-queue-down':
        return { ...plan, putEventsFailures: 20, deadLetterFailures: this.rates.sdkMaxAttempts };
      case 'publisher-retried':
        return { ...plan, publisherRetried: true };
      case 'native':
        return { ...plan, native: { duplicate: 2, late: 2, reorder: true } };
    }
  }

  private countCallFaults(): void {
    const sim = this.required(this.sim);
    for (const driver of sim.drivers.values()) {
      for (const call of driver.server.calls) {
        if (!call.fault) continue;
        const kind =
          call.fault === 'throttle'
            ? 'throttle-burst'
            : call.fault === 'validation'
              ? 'expired-token'
              : call.fault;
        this.count(kind);
      }
      driver.server.resetCalls();
    }
  }

  private async report(ticks: number, durationMs: number): Promise<ChaosReport> {
    const sim = this.required(this.sim);
    const bus = this.required(this.bus);
    const history = await this.history();
    const delivered: DeliveredEvent[] = bus.received.map((received) => ({
      detailType: received.event['detail-type'],
      detail: JSON.stringify(received.event.detail),
      via: 'bus',
    }));
    for (const letter of bus.deadLetters) {
      const parsed = JSON.parse(letter.body) as { entry?: { DetailType?: string; Detail?: string } };
      if (parsed.entry?.Detail && parsed.entry.DetailType) {
        delivered.push({
          detailType: parsed.entry.DetailType,
          detail: JSON.stringify(JSON.parse(parsed.entry.Detail)),
          via: 'dead-letter',
        });
      }
    }
    const truth: TruthJob[] = sim.watchedJobs().map((job) => ({
      jobKey: job.jobKey,
      passed: job.statuses.map((status) => status.rawStatus),
      observed: this.observed.get(job.jobKey) ?? [],
    }));
    const check = checkRun({ truth, history, delivered });

    // Faults the bus and the queue saw.
    this.count('putevents-partial', bus.refused.get('ThrottlingException') ?? 0);
    this.count('putevents-total', bus.server.calls.filter((call) => call.fault).length);
    this.count('dead-letter-queue-down', bus.deadLetterServer.calls.filter((call) => call.fault).length);
    this.count('publisher-retried', this.discarded);
    this.count('native-duplicate', this.post.counts.duplicated);
    this.count('native-late', this.post.counts.delayed);
    this.count('native-reordered', this.post.counts.reordered);
    this.count('dynamodb-connections-refused', this.proxy.stats.refused);
    this.count('dynamodb-connections-blackholed', this.proxy.stats.blackholed);

    const lines = this.options.capture?.lines ?? [];
    const needles: Needle[] = [
      { text: CHAOS_CREDENTIALS.accessKeyId, what: 'the access key id' },
      { text: CHAOS_CREDENTIALS.secretAccessKey, what: 'the secret access key' },
      { text: CHAOS_CREDENTIALS.sessionToken, what: 'the session token' },
      ...statusMessages(sim.watchedJobs()).map((text) => ({ text, what: "a job's status message" })),
    ];
    const eventProblems: string[] = [];
    for (const event of delivered) {
      for (const problem of detailProblems(event.detailType, JSON.parse(event.detail))) {
        eventProblems.push(`${event.detailType}: ${problem}`);
      }
    }
    return {
      seed: this.options.seed,
      services: this.services,
      jobsPerService: this.options.jobsPerService,
      ticks,
      rounds: this.rounds,
      durationMs,
      check,
      faults: this.faults,
      cycles: this.cycles,
      publisher: { ...this.required(this.relay).stats, discarded: this.discarded },
      logLines: lines.length,
      logFindings: scanLines(lines, needles),
      eventsValidated: delivered.length,
      eventProblems,
      unfinishedJobs: sim.watchedJobs().filter((job) => !isDone(job)).length,
    };
  }

  private async history(): Promise<HistoryRecord[]> {
    const doc = createDocumentClient(this.required(this.dynamodb));
    const records: HistoryRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({
          TableName: this.tableName,
          ConsistentRead: true,
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) {
        const record = recordFromItem(item);
        if (record) records.push(record);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  private context(functionName: string, timeoutMs = 300_000) {
    const sim = this.required(this.sim);
    return lambdaContext({ functionName, accountId: sim.accountId, region: sim.region, timeoutMs });
  }

  private count(kind: string, times = 1): void {
    if (times > 0) add(this.faults, kind, times);
  }

  private required<T>(value: T | undefined): T {
    if (value === undefined) throw new Error('chaos run not started');
    return value;
  }
}

type Forced =
  | { readonly kind: 'call'; readonly fault: (typeof CALL_FAULTS)[number] }
  | { readonly kind: Exclude<RunFault, `native-${string}`> | 'native' };

/**
 * Forced faults for the first rounds, so a short run still injects every kind: every call fault in the
 * first round (spread over the services), then the run faults a few at a time, grouped so that one does
 * not hide another (a retried publisher shows duplicates only when its first attempt delivered).
 */
function coveragePlans(): Forced[][] {
  return [
    CALL_FAULTS.map((fault): Forced => ({ kind: 'call', fault })),
    [{ kind: 'dynamodb-outage' }, { kind: 'time-limit' }, { kind: 'killed-run' }],
    [{ kind: 'concurrent-pollers' }, { kind: 'putevents-partial' }, { kind: 'publisher-retried' }],
    [{ kind: 'putevents-total' }, { kind: 'native' }],
    [{ kind: 'dead-letter-queue-down' }],
  ];
}

/** A request mentions a target when its path, query or body carries it; an expired token needs a token. */
function matcher(fault: PlannedCallFault): (request: FakeRequest) => boolean {
  return (request) => {
    const text = `${JSON.stringify(request.params)}${request.query.toString()}${JSON.stringify(request.body)}`;
    if (fault.target !== undefined && !text.includes(fault.target)) return false;
    if (fault.kind !== 'expired-token') return true;
    return /nexttoken/i.test(text);
  };
}

function isDone(job: SimulatedJob): boolean {
  return job.phaseIndex >= job.script.phases.length - 1 && job.statuses.length > 0;
}

function statusMessages(jobs: readonly SimulatedJob[]): string[] {
  return [...new Set(jobs.map((job) => job.script.failureMessage).filter((m): m is string => Boolean(m)))];
}

function add(record: Record<string, number>, key: string, count: number): void {
  record[key] = (record[key] ?? 0) + count;
}
