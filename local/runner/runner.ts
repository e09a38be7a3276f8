import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { allPages, JobQueries } from '../../cli/queries.js';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { formatJobKey } from '../../lambdas/core/job-key.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { JobStatus } from '../../lambdas/core/status.js';
import { loadPoller, type PollHandler } from '../chaos/pollers.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../dynamodb-local.js';
import { EventBridgeStandIn, type ReceivedEvent } from '../eventbridge-standin/standin.js';
import { createJobsTable } from '../jobs-table.js';
import { Prng } from '../simulator/prng.js';
import { IMAGING_OUTPUT_BUCKET, type SimulatedJob, Simulator } from '../simulator/simulator.js';
import { TenantWorld } from '../simulator/tenant-world.js';
import { applyEnvironment, handlerEnvironment, LOCAL_ACCOUNT_ID, LOCAL_REGION } from './environment.js';
import { lambdaContext } from './lambda-context.js';
import { type RunnerOptions, SIMULATED_REGIONS, UsageError } from './options.js';
import { type StreamHandler, StreamRelay } from './stream-relay.js';
import { DOCUMENTED_SUBSCRIPTIONS } from './subscriptions.js';

/**
 * Local mode's engine, without any terminal output: it starts DynamoDB Local, the simulator and the
 * EventBridge stand-in, sets the handlers' environment, loads the deployed handler entries and calls them
 * the way the stack's schedule and stream mapping do. The CLI (cli.ts) draws it; the tests drive it.
 *
 * Handlers read their settings once, at module load, as in Lambda: one runner per process. Node caches the
 * modules, so a second runner in the same process would reuse the first one's settings.
 */

/** The stack's poller timeout: the context's remaining time counts down from it. */
const POLLER_TIMEOUT_MS = 5 * 60_000;
const PUBLISHER_TIMEOUT_MS = 2 * 60_000;

export interface ServiceStats {
  cycles: number;
  lastMs: number;
  totalMs: number;
  maxMs: number;
  listed: number;
  describes: number;
  transitions: number;
  progressWrites: number;
  stalls: number;
  incomplete: number;
  /** Cycle errors by kind (each a job or a call that failed after the SDK's retries). */
  readonly errors: Record<string, number>;
  /** Invocations that threw. */
  crashes: number;
}

/** One job as the live view shows it: its latest recorded state. */
export interface JobState {
  readonly jobKey: string;
  readonly service: ServiceId;
  readonly jobId: string;
  readonly jobName?: string;
  readonly status: JobStatus;
  readonly rawStatus: string;
  readonly version: number;
  readonly since: string;
  readonly stalled: boolean;
}

export interface RunError {
  readonly at: string;
  readonly source: string;
  readonly message: string;
}

export type RunOutcome = 'done' | 'cycles' | 'stopped' | 'timeout';

export interface Verification {
  readonly jobs: number;
  readonly transitions: number;
  readonly stalls: number;
  readonly events: number;
  /** Empty when every simulated status is in the history once and every record reached the bus once. */
  readonly problems: readonly string[];
}

export interface RunnerListener {
  record?(record: HistoryRecord): void;
  event?(event: ReceivedEvent): void;
  cycle?(cycle: number): void;
  error?(error: RunError): void;
}

/** What the runner needs of the simulation: one account and region, or several (`--accounts`, `--regions`). */
export type SimulatedWorld = Pick<
  Simulator,
  | 'advance'
  | 'allFinished'
  | 'calls'
  | 'collectCalls'
  | 'endpoints'
  | 'jobs'
  | 's3'
  | 'start'
  | 'stop'
  | 'watchedJobs'
>;

/** The local account in the local region, or a hub's several accounts and regions. */
function createSimulator(options: RunnerOptions): SimulatedWorld {
  const common = {
    services: options.services,
    jobsPerService: options.jobsPerService,
    seed: options.seed,
    speed: options.speed,
    throttleRate: options.throttleRate,
  };
  if ((options.accounts ?? 1) === 1 && (options.regions ?? 1) === 1) {
    return new Simulator({ ...common, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID });
  }
  const accounts = Array.from({ length: options.accounts ?? 1 }, (_, index) =>
    index === 0 ? LOCAL_ACCOUNT_ID : String(index).repeat(12).slice(0, 12),
  );
  const regions = SIMULATED_REGIONS.slice(0, options.regions ?? 1);
  return new TenantWorld({ ...common, hubAccountId: LOCAL_ACCOUNT_ID, accounts, regions });
}

export class LocalRunner {
  simulator: SimulatedWorld | undefined;
  readonly standIn: EventBridgeStandIn;
  dynamo: DynamoDbLocal | undefined;
  queries: JobQueries | undefined;
  relay: StreamRelay | undefined;
  region = LOCAL_REGION;
  accountId = '';
  tableName: string;
  /** Where the table is: DynamoDB Local's endpoint, or undefined for a deployed table. */
  dynamoEndpoint: string | undefined;
  cycle = 0;
  startedAt = new Date();
  readonly services = new Map<ServiceId, ServiceStats>();
  readonly jobs = new Map<string, JobState>();
  /** Every history record of this run, in the order it was read. */
  readonly history: HistoryRecord[] = [];
  readonly errors: RunError[] = [];
  private readonly seen = new Set<string>();
  private readonly listeners: RunnerListener[] = [];
  private readonly pollers = new Map<ServiceId, PollHandler>();
  private client: DynamoDBClient | undefined;
  private streams: DynamoDBStreamsClient | undefined;
  private restoreEnv: (() => void) | undefined;
  private watermark = 0;

  constructor(
    readonly options: RunnerOptions,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.tableName = options.table ?? options.localTableName;
    const simulated = options.mode === 'simulator';
    const faults = new Prng(options.seed ^ 0x5eed);
    this.standIn = new EventBridgeStandIn({
      region: simulated ? LOCAL_REGION : (options.region ?? LOCAL_REGION),
      accountId: simulated ? LOCAL_ACCOUNT_ID : (options.accountId ?? LOCAL_ACCOUNT_ID),
      entryFailureRate: simulated ? options.eventFailureRate : 0,
      random: () => faults.next(),
    });
    for (const service of options.services) this.services.set(service, emptyStats());
  }

  listen(listener: RunnerListener): void {
    this.listeners.push(listener);
  }

  /** Everything up and the handlers loaded; the first cycle is `tick()`'s. */
  async start(): Promise<void> {
    const options = this.options;
    this.startedAt = new Date();
    this.watermark = this.startedAt.getTime();
    if (options.mode === 'real') await this.resolveAccount();
    else this.accountId = LOCAL_ACCOUNT_ID;

    if (options.mode === 'simulator') {
      this.simulator = createSimulator(options);
      await this.simulator.start();
    }
    for (const [name, pattern] of Object.entries(DOCUMENTED_SUBSCRIPTIONS))
      this.standIn.subscribe(name, pattern);
    this.standIn.onEvent((event) => this.notify((listener) => listener.event?.(event)));
    await this.standIn.start();

    if (!options.table) {
      const dbPath = options.dataDir ? resolve(options.dataDir) : undefined;
      if (dbPath) mkdirSync(dbPath, { recursive: true });
      this.dynamo = await startDynamoDbLocal({
        ...(options.dynamoPort !== undefined && { port: options.dynamoPort }),
        ...(dbPath && { dbPath }),
      });
      this.dynamoEndpoint = this.dynamo.endpoint;
    }

    const environment = handlerEnvironment(
      options,
      this.env,
      {
        ...(this.dynamo && { dynamodb: this.dynamo.endpoint }),
        ...(this.simulator instanceof TenantWorld && {
          sts: this.simulator.sts.endpoint,
          targets: this.simulator.targets(),
        }),
        ...(this.simulator && {
          services: this.simulator.endpoints(),
          s3: this.simulator.s3.endpoint,
          s3ManifestLocation: `s3://${IMAGING_OUTPUT_BUCKET}`,
        }),
        ...(!options.bus && { events: this.standIn.endpoint }),
        deadLetters: this.standIn.deadLetterEndpoint,
        deadLetterQueueUrl: this.standIn.deadLetterQueueUrl,
      },
      { region: this.region, tableName: this.tableName },
    );
    this.restoreEnv = applyEnvironment(environment, this.env);

    // The same credential chain and endpoint variables as the handlers: DynamoDB Local keeps one database
    // per access key, so the runner must read with the keys the handlers write with.
    this.client = new DynamoDBClient({ region: this.region });
    await this.prepareTable();
    this.queries = new JobQueries({ client: this.client, tableName: this.tableName, consistentRead: true });

    for (const service of options.services) {
      this.pollers.set(service, await loadPoller(service));
    }
    if (this.dynamo) await this.startRelay(this.dynamo.endpoint);
    await this.loadActiveJobs();
  }

  /** One cycle: the simulator moves on, then every service's poller runs once, as its schedule would. */
  async tick(): Promise<void> {
    this.cycle += 1;
    this.simulator?.advance();
    await Promise.all(this.options.services.map((service) => this.poll(service)));
    this.simulator?.collectCalls();
    await this.readHistory();
    this.notify((listener) => listener.cycle?.(this.cycle));
  }

  /**
   * Cycles on the schedule until the run is over: `--once` (every simulated job ended, every event out),
   * `--cycles`, the `--once` timeout, or `signal` (Ctrl-C). Then the last events are relayed.
   */
  async run(signal?: AbortSignal): Promise<RunOutcome> {
    const options = this.options;
    const deadline = options.once ? Date.now() + options.timeoutSeconds * 1000 : Number.POSITIVE_INFINITY;
    let outcome: RunOutcome = 'stopped';
    while (!signal?.aborted) {
      const began = Date.now();
      await this.tick();
      if (options.cycles !== undefined && this.cycle >= options.cycles) {
        outcome = 'cycles';
        break;
      }
      if (options.once && (await this.finished())) {
        outcome = 'done';
        break;
      }
      if (Date.now() > deadline) {
        outcome = 'timeout';
        break;
      }
      await sleep(options.intervalSeconds * 1000 - (Date.now() - began), signal);
    }
    await this.settle();
    return outcome;
  }

  /** Relays what the stream still holds and reads the history once more. */
  async settle(): Promise<void> {
    try {
      await this.relay?.drain();
    } catch (error) {
      this.fail('stream relay', error);
    }
    await this.readHistory().catch((error: unknown) => this.fail('history', error));
  }

  /**
   * Whether a `--once` run is over. Simulator: every job ended, the store holds each one's final status,
   * and every recorded change reached the bus. Real mode: after its cycles (one unless `--cycles`).
   */
  async finished(): Promise<boolean> {
    const simulator = this.simulator;
    if (!simulator) return this.cycle >= (this.options.cycles ?? 1);
    if (!simulator.allFinished()) return false;
    for (const job of simulator.watchedJobs()) {
      if (this.jobs.get(job.jobKey)?.rawStatus !== job.statuses.at(-1)?.rawStatus) return false;
    }
    if (!this.relay) return true;
    await this.relay.drain();
    const delivered = new Set(this.deliveredIds());
    return this.history.every((record) => record.kind === 'progress' || delivered.has(record.recordId));
  }

  /** Stops everything started, in reverse, and gives the process its environment back. */
  async stop(): Promise<void> {
    await this.relay?.stop().catch(() => undefined);
    await this.simulator?.stop().catch(() => undefined);
    await this.standIn.stop().catch(() => undefined);
    this.client?.destroy();
    this.streams?.destroy();
    await this.dynamo?.stop().catch(() => undefined);
    this.restoreEnv?.();
    this.restoreEnv = undefined;
  }

  /** Stops the child processes at once, for a process about to exit without `stop()`. */
  kill(): void {
    void this.dynamo?.stop();
  }

  /** The transition and stall ids of every event the stand-in received. */
  deliveredIds(): string[] {
    return this.standIn.received.map((received) => {
      const detail = received.event.detail;
      return String(detail.transitionId ?? detail.stallId ?? '');
    });
  }

  /**
   * Checks the run against the simulator's ground truth: each job's history holds exactly the raw statuses
   * it passed through, in order; each transition and stall record reached the bus exactly once, and nothing
   * else did; the jobs that ended before the run were left alone.
   */
  async verify(): Promise<Verification> {
    const simulator = this.simulator;
    const queries = this.requireQueries();
    if (!simulator) throw new Error('verify() compares with the simulator: simulator mode only');
    const problems: string[] = [];
    const delivered = new Map<string, number>();
    for (const id of this.deliveredIds()) delivered.set(id, (delivered.get(id) ?? 0) + 1);
    const recorded = new Set<string>();
    let transitions = 0;
    let stalls = 0;
    for (const job of simulator.watchedJobs()) {
      const history: HistoryRecord[] = [];
      for await (const record of allPages((page) => queries.history(job.jobKey, page))) history.push(record);
      const seen = history.flatMap((record) => (record.kind === 'transition' ? [record.to.rawStatus] : []));
      const truth = job.statuses.map((status) => status.rawStatus);
      if (seen.join(' → ') !== truth.join(' → ')) {
        problems.push(
          `${label(job)}: simulated ${truth.join(' → ')}, recorded ${seen.join(' → ') || 'nothing'}`,
        );
      }
      for (const record of history) {
        if (record.kind === 'progress') continue;
        recorded.add(record.recordId);
        if (record.kind === 'transition') transitions += 1;
        else stalls += 1;
        const count = delivered.get(record.recordId) ?? 0;
        if (count !== 1) {
          problems.push(`${label(job)}: ${record.kind} v${record.version} reached the bus ${count} times`);
        }
      }
    }
    for (const [id, count] of delivered) {
      if (!recorded.has(id)) problems.push(`event ${id} (×${count}) matches no recorded change`);
    }
    for (const job of simulator.jobs().filter((candidate) => candidate.finishedBeforeStart)) {
      if (await queries.job(job.jobKey)) problems.push(`${label(job)} ended before the run but was recorded`);
    }
    return { jobs: simulator.watchedJobs().length, transitions, stalls, events: delivered.size, problems };
  }

  requireQueries(): JobQueries {
    if (!this.queries) throw new Error('runner not started');
    return this.queries;
  }

  private async poll(service: ServiceId): Promise<void> {
    const handler = this.pollers.get(service);
    const stats = this.services.get(service);
    if (!handler || !stats) return;
    const context = lambdaContext({
      functionName: `job-poller-${service}`,
      region: this.region,
      accountId: this.accountId,
      timeoutMs: POLLER_TIMEOUT_MS,
    });
    const began = performance.now();
    try {
      const result = await handler({ kind: 'poll' }, context);
      const ms = Math.round(performance.now() - began);
      stats.cycles += 1;
      stats.lastMs = ms;
      stats.totalMs += ms;
      stats.maxMs = Math.max(stats.maxMs, ms);
      if (result.mode !== 'cycle') return;
      stats.listed += result.listed;
      stats.describes += result.describes;
      stats.transitions += result.transitions;
      stats.progressWrites += result.progressWrites;
      stats.stalls += result.stalls;
      if (result.incomplete) stats.incomplete += 1;
      for (const [kind, count] of Object.entries(result.errors)) {
        stats.errors[kind] = (stats.errors[kind] ?? 0) + count;
        this.fail(service, `${count} × ${kind} in cycle ${this.cycle}`);
      }
    } catch (error) {
      stats.crashes += 1;
      this.fail(service, error);
    }
  }

  /** New history records since the last read (the `ChangesByTime` index, as the query CLI reads it). */
  private async readHistory(): Promise<void> {
    const queries = this.requireQueries();
    const since = new Date(this.watermark - 30_000);
    const fresh: HistoryRecord[] = [];
    for (const kind of ['transition', 'stall'] as const) {
      for await (const record of allPages((page) => queries.changes({ since, kind, ...page }))) {
        if (this.seen.has(record.recordId)) continue;
        this.seen.add(record.recordId);
        fresh.push(record);
      }
    }
    fresh.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt) || a.version - b.version);
    for (const record of fresh) {
      this.watermark = Math.max(this.watermark, Date.parse(record.recordedAt));
      this.history.push(record);
      this.apply(record);
      this.notify((listener) => listener.record?.(record));
    }
  }

  private apply(record: HistoryRecord): void {
    const jobKey = formatJobKey(record.key);
    const current = this.jobs.get(jobKey);
    if (current && current.version > record.version) return;
    const snapshot = record.snapshot;
    const status =
      record.kind === 'transition' ? record.to : { status: snapshot.status, rawStatus: snapshot.rawStatus };
    this.jobs.set(jobKey, {
      jobKey,
      service: record.key.service,
      jobId: record.key.jobId,
      ...(snapshot.jobName !== undefined && { jobName: snapshot.jobName }),
      status: status.status,
      rawStatus: status.rawStatus,
      version: record.version,
      since: record.kind === 'transition' ? record.recordedAt : (current?.since ?? record.recordedAt),
      stalled: record.kind === 'stall',
    });
  }

  /** Jobs already running when the run starts (real mode, or a kept data directory). */
  private async loadActiveJobs(): Promise<void> {
    const queries = this.requireQueries();
    for (const service of this.options.services) {
      for await (const job of allPages((page) => queries.running({ service, ...page }))) {
        const { snapshot } = job;
        this.jobs.set(formatJobKey(snapshot.key), {
          jobKey: formatJobKey(snapshot.key),
          service,
          jobId: snapshot.key.jobId,
          ...(snapshot.jobName !== undefined && { jobName: snapshot.jobName }),
          status: snapshot.status,
          rawStatus: snapshot.rawStatus,
          version: job.version,
          since: job.statusSince,
          stalled: job.stalledSince !== undefined,
        });
      }
    }
  }

  /** DynamoDB Local: the table, created when missing. A deployed table: it must exist. */
  private async prepareTable(): Promise<void> {
    const client = this.client as DynamoDBClient;
    if (this.options.table) {
      try {
        await client.send(new DescribeTableCommand({ TableName: this.tableName }));
      } catch (error) {
        if (error instanceof ResourceNotFoundException) {
          throw new UsageError(
            `No table ${this.tableName} in ${this.region}: pass the JobsTableName output of your deployed stack`,
          );
        }
        throw error;
      }
      return;
    }
    if (this.options.reset) {
      await client.send(new DeleteTableCommand({ TableName: this.tableName })).catch((error: unknown) => {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      });
    }
    await createJobsTable(client, this.tableName, { ifMissing: true });
    if (this.options.mode === 'simulator') {
      // The same seed makes the same job ids: a previous run's finished jobs would swallow this run's.
      const queries = new JobQueries({ client, tableName: this.tableName });
      const previous = await queries.changes({ since: new Date(0), limit: 1 });
      if (previous.items.length > 0) {
        throw new UsageError(
          `${this.options.dataDir ?? 'The data directory'} holds a previous run: add --reset to start over, ` +
            'use another --data-dir, or look at it with --serve',
        );
      }
    }
  }

  private async startRelay(endpoint: string): Promise<void> {
    const module = (await import('../../lambdas/handlers/publisher.js')) as { handler: unknown };
    const handler = module.handler as StreamHandler;
    this.streams = new DynamoDBStreamsClient({ region: this.region, endpoint });
    this.relay = new StreamRelay({
      streams: this.streams,
      dynamodb: this.client as DynamoDBClient,
      tableName: this.tableName,
      region: this.region,
      handler,
      context: () =>
        lambdaContext({
          functionName: 'job-status-publisher',
          region: this.region,
          accountId: this.accountId,
          timeoutMs: PUBLISHER_TIMEOUT_MS,
        }),
      pollMs: Math.min(500, Math.max(100, (this.options.intervalSeconds * 1000) / 4)),
      onError: (error) => this.fail('stream relay', error),
      onInvoke: (outcome) => {
        if (outcome.failed > 0) {
          this.fail(
            'publisher',
            outcome.error ?? `${outcome.failed} of ${outcome.records} stream records to retry`,
          );
        }
      },
    });
    await this.relay.start();
  }

  /** Real mode: the region and account the user's credentials and settings point at. */
  private async resolveAccount(): Promise<void> {
    const probe = new DynamoDBClient({ ...(this.options.region && { region: this.options.region }) });
    try {
      this.region = await probe.config.region().catch(() => {
        throw new UsageError('Which region? Pass --region or set AWS_REGION');
      });
      const credentials = await probe.config.credentials().catch((error: unknown) => {
        throw new UsageError(
          `No AWS credentials found (${error instanceof Error ? error.message : String(error)}). ` +
            'Set AWS_PROFILE or run `aws configure`; or leave out --real to use the simulator',
        );
      });
      this.accountId = this.options.accountId ?? this.env.AWS_ACCOUNT_ID ?? credentials.accountId ?? '';
      if (!this.accountId && this.options.table) {
        throw new UsageError(
          'Pass --account with --table, so jobs are filed under the same keys your deployed pollers use ' +
            '(aws sts get-caller-identity --query Account --output text)',
        );
      }
    } finally {
      probe.destroy();
    }
  }

  private fail(source: string, error: unknown): void {
    const entry: RunError = {
      at: new Date().toISOString(),
      source,
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
    this.errors.push(entry);
    if (this.errors.length > 500) this.errors.splice(0, this.errors.length - 500);
    this.notify((listener) => listener.error?.(entry));
  }

  private notify(call: (listener: RunnerListener) => void): void {
    for (const listener of this.listeners) {
      try {
        call(listener);
      } catch {
        // A drawing problem must never stop the run.
      }
    }
  }
}

function emptyStats(): ServiceStats {
  return {
    cycles: 0,
    lastMs: 0,
    totalMs: 0,
    maxMs: 0,
    listed: 0,
    describes: 0,
    transitions: 0,
    progressWrites: 0,
    stalls: 0,
    incomplete: 0,
    errors: {},
    crashes: 0,
  };
}

function label(job: SimulatedJob): string {
  return `${job.service}:${job.scope ? `${job.scope}/` : ''}${job.jobId}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
