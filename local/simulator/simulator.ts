import { formatJobKey } from '../../lambdas/core/job-key.js';
import { SERVICE_IDS, type ServiceId } from '../../lambdas/core/service-id.js';
import type { JobChange, ServiceDriver } from '../services/driver.js';
import type { JobScript, LifecycleModel } from '../services/lifecycle.js';
import { LOCAL_SERVICES } from '../services/registry.js';
import { Prng } from './prng.js';
import { S3StandIn } from './s3-standin.js';

/**
 * The five services on one machine: their wire-protocol fakes grown into a simulator. Data stores,
 * reference stores and workflows hold jobs that arrive over time and move through their service's real
 * lifecycle (see local/services/<service>/lifecycle.ts), with partial successes, failures, cancels and now and then a throttled
 * call. The simulator moves in ticks; the runner polls once per tick, so every status is seen.
 *
 * It keeps the ground truth: every raw status each job passed through, and when. Everything is drawn from
 * one seed, and each service from its own stream of it, so `--services` does not change a service's jobs.
 */

export interface SimulatorOptions {
  readonly services?: readonly ServiceId[];
  /** Jobs each service receives over the run. */
  readonly jobsPerService: number;
  readonly seed: number;
  /** Divides every duration (lifecycles and arrival gaps); no status lasts less than one tick. */
  readonly speed?: number;
  readonly region?: string;
  readonly accountId?: string;
  /** Chance per service and tick that one of its calls is throttled once (the SDK retries it). */
  readonly throttleRate?: number;
  /** Jobs per service that finished long before the run: the poller must leave them alone. */
  readonly finishedBeforeStart?: number;
  readonly now?: () => Date;
  /** An S3 stand-in shared with other simulators (several accounts and regions), started by its owner. */
  readonly s3?: S3StandIn;
}

/** One status of the ground truth. */
export interface TruthStatus {
  readonly rawStatus: string;
  readonly at: string;
  readonly tick: number;
}

export interface SimulatedJob {
  readonly service: ServiceId;
  readonly scope?: string;
  readonly jobId: string;
  /** The key the aggregator files the job under (`service/region/account/scope/jobId`). */
  readonly jobKey: string;
  readonly jobName?: string;
  readonly script: JobScript;
  readonly arrivalTick: number;
  /** Finished long before the run started; never expected in the history. */
  readonly finishedBeforeStart: boolean;
  /** Every raw status the job passed through, in order: the ground truth. */
  readonly statuses: TruthStatus[];
  phaseIndex: number;
  ticksInPhase: number;
}

/** What one service's fake saw in one tick. */
export interface CallStats {
  calls: number;
  throttled: number;
}

export interface TickResult {
  readonly tick: number;
  readonly arrived: readonly SimulatedJob[];
  readonly moved: readonly { readonly job: SimulatedJob; readonly from: string; readonly to: string }[];
  readonly throttlesArmed: readonly { readonly service: ServiceId; readonly operation: string }[];
}

export { IMAGING_OUTPUT_BUCKET } from '../services/healthimaging/lifecycle.js';

const DAY_MS = 86_400_000;

export class Simulator {
  readonly services: readonly ServiceId[];
  readonly drivers: ReadonlyMap<ServiceId, ServiceDriver>;
  /** HealthImaging's output bucket, for job output manifests. */
  readonly s3: S3StandIn;
  readonly region: string;
  readonly accountId: string;
  /** API calls seen by each fake so far, and how many of them were throttled. */
  readonly calls = new Map<ServiceId, CallStats>();
  private readonly jobList: SimulatedJob[] = [];
  private readonly rngs = new Map<ServiceId, { readonly jobs: Prng; readonly faults: Prng }>();
  private readonly speed: number;
  private readonly throttleRate: number;
  private readonly now: () => Date;
  private tickCount = -1;
  private started = false;

  constructor(private readonly options: SimulatorOptions) {
    this.s3 = options.s3 ?? new S3StandIn();
    this.services = options.services ?? SERVICE_IDS;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError(`speed must be above 0, got ${this.speed}`);
    this.throttleRate = options.throttleRate ?? 0.05;
    this.now = options.now ?? (() => new Date());
    const drivers = new Map<ServiceId, ServiceDriver>();
    for (const service of this.services) {
      drivers.set(
        service,
        LOCAL_SERVICES[service].createDriver({ region: this.region, accountId: this.accountId }),
      );
      const root = new Prng(options.seed ^ hashOf(service));
      this.rngs.set(service, { jobs: root.fork(), faults: root.fork() });
      this.calls.set(service, { calls: 0, throttled: 0 });
    }
    this.drivers = drivers;
    // The fakes take seeds before they listen: the whole run is planned here, without any I/O.
    for (const service of this.services) this.plan(service);
  }

  /** The current tick; -1 before the first `advance`. */
  get tick(): number {
    return this.tickCount;
  }

  /** Every job: the ground truth. */
  jobs(): readonly SimulatedJob[] {
    return this.jobList;
  }

  /** Jobs the aggregator is expected to record: arrived during the run. */
  watchedJobs(): SimulatedJob[] {
    return this.jobList.filter((job) => !job.finishedBeforeStart && job.arrivalTick <= this.tickCount);
  }

  /** True once every job of the run has arrived and reached its final status. */
  allFinished(): boolean {
    return this.jobList.every((job) => job.finishedBeforeStart || isFinal(job));
  }

  /** `AWS_ENDPOINT_URL_<SUFFIX>`-ready endpoints of the started fakes. */
  endpoints(): ReadonlyMap<ServiceId, string> {
    return new Map([...this.drivers].map(([service, driver]) => [service, driver.endpoint]));
  }

  /** Starts every fake and the S3 stand-in (the scopes and jobs were planned by the constructor). */
  async start(): Promise<void> {
    if (this.started) throw new Error('simulator already started');
    this.started = true;
    if (!this.options.s3) await this.s3.start();
    await Promise.all([...this.drivers.values()].map((driver) => driver.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.drivers.values()].map((driver) => driver.stop()));
    if (!this.options.s3) await this.s3.stop();
  }

  /**
   * One tick: jobs in flight move on (a status whose time is up gives way to the next; running jobs make
   * progress), then the jobs due this tick arrive, then now and then a call is armed to be throttled.
   */
  advance(): TickResult {
    if (!this.started) throw new Error('start the simulator first');
    this.tickCount += 1;
    const tick = this.tickCount;
    const at = this.now();
    const moved: { job: SimulatedJob; from: string; to: string }[] = [];
    const arrived: SimulatedJob[] = [];
    this.collectCalls();

    for (const job of this.jobList) {
      if (job.finishedBeforeStart || job.arrivalTick >= tick || isFinal(job)) continue;
      const phase = job.script.phases[job.phaseIndex];
      if (!phase) continue;
      job.ticksInPhase += 1;
      const driver = this.driver(job.service);
      if (job.ticksInPhase >= phase.ticks) {
        const from = phase.rawStatus;
        job.phaseIndex += 1;
        job.ticksInPhase = 0;
        const next = job.script.phases[job.phaseIndex];
        if (!next) continue;
        const final = job.phaseIndex === job.script.phases.length - 1;
        if (final) lifecycleOf(job.service).beforeFinal?.(job, next.rawStatus, this.s3);
        driver.update(job, {
          ...this.detail(job),
          rawStatus: next.rawStatus,
          ...(final && { endedAt: at }),
        });
        job.statuses.push({ rawStatus: next.rawStatus, at: at.toISOString(), tick });
        moved.push({ job, from, to: next.rawStatus });
      } else if (phase.working) {
        driver.update(job, this.detail(job));
      }
    }

    for (const job of this.jobList) {
      if (job.finishedBeforeStart || job.arrivalTick !== tick) continue;
      const first = job.script.phases[0];
      if (!first) continue;
      this.driver(job.service).submit({
        ...(job.scope !== undefined && { scope: job.scope }),
        jobId: job.jobId,
        ...(job.jobName !== undefined && { jobName: job.jobName }),
        rawStatus: first.rawStatus,
        submittedAt: at,
        ...lifecycleOf(job.service).locations(job),
      });
      job.statuses.push({ rawStatus: first.rawStatus, at: at.toISOString(), tick });
      arrived.push(job);
    }

    const throttlesArmed: { service: ServiceId; operation: string }[] = [];
    for (const [service, driver] of this.drivers) {
      // At most one armed fault per service, so the SDK's retries always get through.
      driver.server.clearFaults();
      const rng = this.rng(service).faults;
      if (tick > 0 && rng.chance(this.throttleRate)) {
        const operation = rng.pick(driver.operations);
        driver.server.inject(operation, 'throttle', 1);
        throttlesArmed.push({ service, operation });
      }
    }
    return { tick, arrived, moved, throttlesArmed };
  }

  /** Folds the fakes' call logs into `calls` and empties them, so a long run does not grow them. */
  collectCalls(): void {
    for (const [service, driver] of this.drivers) {
      const stats = this.calls.get(service) ?? { calls: 0, throttled: 0 };
      for (const call of driver.server.calls) {
        stats.calls += 1;
        if (call.fault === 'throttle') stats.throttled += 1;
      }
      driver.server.resetCalls();
      this.calls.set(service, stats);
    }
  }

  private driver(service: ServiceId): ServiceDriver {
    const driver = this.drivers.get(service);
    if (!driver) throw new Error(`${service} is not simulated`);
    return driver;
  }

  private rng(service: ServiceId): { readonly jobs: Prng; readonly faults: Prng } {
    const rng = this.rngs.get(service);
    if (!rng) throw new Error(`${service} is not simulated`);
    return rng;
  }

  /** Detail of a job at its current position (progress, sources, messages). */
  private detail(job: SimulatedJob): JobChange {
    const { script, phaseIndex, ticksInPhase } = job;
    const phase = script.phases[phaseIndex];
    const workIndex = script.phases.findIndex((candidate) => candidate.working);
    const fraction = phase && phase.ticks > 0 ? Math.min(1, ticksInPhase / phase.ticks) : 1;
    // A job cancelled during its work gets half-way: counters only ever grow, and stop where the cancel came.
    const share = script.outcome === 'cancelled' ? 0.5 : 1;
    let workDone = 0;
    if (workIndex >= 0 && phaseIndex > workIndex) workDone = share;
    if (phaseIndex === workIndex) workDone = fraction * share;
    return lifecycleOf(job.service).detail({ script, phaseIndex, fraction, workDone, jobId: job.jobId });
  }

  /** Scopes, the jobs of the run with their arrival ticks, and a few jobs that ended days ago. */
  private plan(service: ServiceId): void {
    const rng = this.rng(service).jobs;
    const driver = this.driver(service);
    const lifecycle = lifecycleOf(service);
    const scopes = lifecycle.scopeNames.map((name) => ({ id: lifecycle.scopeId(name, rng), name }));
    for (const scope of scopes) driver.addScope(scope.id, scope.name);
    const scopeFor = () => (scopes.length > 0 ? rng.pick(scopes).id : undefined);

    const old = this.options.finishedBeforeStart ?? 2;
    for (let index = 0; index < old; index += 1) {
      const script = lifecycle.plan(rng, this.speed);
      const job = this.newJob(service, scopeFor(), rng, script, -1, true);
      const final = script.phases.at(-1)?.rawStatus ?? 'FAILED';
      // Beyond the first run's default look-back (7 days): jobs no run of the pollers should record.
      const endedAt = new Date(this.now().getTime() - (8 + index) * DAY_MS);
      driver.submit({
        ...(job.scope !== undefined && { scope: job.scope }),
        jobId: job.jobId,
        ...(job.jobName !== undefined && { jobName: job.jobName }),
        rawStatus: final,
        submittedAt: new Date(endedAt.getTime() - 3_600_000),
        endedAt,
        ...lifecycleOf(job.service).locations(job),
      });
      job.phaseIndex = script.phases.length - 1;
      this.jobList.push(job);
    }

    let arrival = 0;
    for (let index = 0; index < this.options.jobsPerService; index += 1) {
      // Two jobs are there from the first tick; the rest arrive over time.
      if (index >= 2) arrival += Math.max(1, Math.round(rng.int(1, 4) / this.speed));
      const script = lifecycle.plan(rng, this.speed);
      this.jobList.push(this.newJob(service, scopeFor(), rng, script, arrival, false));
    }
  }

  private newJob(
    service: ServiceId,
    scope: string | undefined,
    rng: Prng,
    script: JobScript,
    arrivalTick: number,
    finishedBeforeStart: boolean,
  ): SimulatedJob {
    const lifecycle = lifecycleOf(service);
    const jobId = lifecycle.jobId(rng);
    const jobName = lifecycle.jobName(rng, this.jobList.length);
    return {
      service,
      ...(scope !== undefined && { scope }),
      jobId,
      jobKey: formatJobKey({
        service,
        region: this.region,
        accountId: this.accountId,
        ...(scope !== undefined && { scope }),
        jobId,
      }),
      ...(jobName !== undefined && { jobName }),
      script,
      arrivalTick,
      finishedBeforeStart,
      statuses: [],
      phaseIndex: 0,
      ticksInPhase: 0,
    };
  }
}

function isFinal(job: SimulatedJob): boolean {
  return job.statuses.length > 0 && job.phaseIndex >= job.script.phases.length - 1;
}

function lifecycleOf(service: ServiceId): LifecycleModel {
  return LOCAL_SERVICES[service].lifecycle;
}

/** A small stable hash of a service id, to give each service its own stream of the seed. */
function hashOf(text: string): number {
  let hash = 2_166_136_261;
  for (const char of text) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 16_777_619);
  return hash >>> 0;
}
