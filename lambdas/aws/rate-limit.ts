import { AsyncLocalStorage } from 'node:async_hooks';
import { channel } from 'node:diagnostics_channel';
import type { JobLocator, ListedJob, ListJobsOptions, ServiceAdapter } from '../core/adapter.js';
import type { ServiceDefinition } from '../core/service-definition.js';
import type { JobSnapshot } from '../core/snapshot.js';

/**
 * Client-side pacing at the services' published request rates, so a poll cycle runs as fast as the quota
 * allows and throttling never reaches the caller. The SDK's adaptive retry only slows down after the
 * service has refused calls; pacing keeps the poller under the rate in the first place.
 */

/** A rate and how many calls may go at once after a quiet spell. */
export interface BucketSpec {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/**
 * A token bucket. `take` reserves the next token and waits until it is due, so concurrent callers are
 * served in the order they asked; `tryTake` never waits (a service's side of a quota: refuse or serve).
 */
export class TokenBucket {
  readonly spec: BucketSpec;
  private tokens: number;
  private updatedAt: number;

  constructor(
    spec: BucketSpec,
    private readonly clock: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = defaultSleep,
  ) {
    if (!(spec.ratePerSecond > 0) || !Number.isFinite(spec.ratePerSecond)) {
      throw new RangeError(`A token bucket needs a positive rate, got ${spec.ratePerSecond}`);
    }
    if (!(spec.burst >= 1) || !Number.isFinite(spec.burst)) {
      throw new RangeError(`A token bucket needs a burst of at least 1, got ${spec.burst}`);
    }
    this.spec = spec;
    this.tokens = spec.burst;
    this.updatedAt = clock();
  }

  /** Takes a token if one is there. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Waits for a token; resolves with the milliseconds waited. */
  async take(): Promise<number> {
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    const wait = (-this.tokens * 1000) / this.spec.ratePerSecond;
    await this.sleep(wait);
    return wait;
  }

  /** Full again, as after a long quiet spell. */
  reset(): void {
    this.tokens = this.spec.burst;
    this.updatedAt = this.clock();
  }

  private refill(): void {
    const now = this.clock();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.spec.burst, this.tokens + (elapsed * this.spec.ratePerSecond) / 1000);
    this.updatedAt = now;
  }
}

/** Decides when an operation may be called; `pass` resolves when it may. */
export interface CallGate {
  pass(operation: string): Promise<void>;
}

const currentGate = new AsyncLocalStorage<CallGate>();

/**
 * Waits at the gate of the adapter call in progress, if any. `callService` calls this before every SDK call,
 * so each page of a list and each describe is paced, however an adapter pages.
 */
export async function passCallGate(operation: string): Promise<void> {
  await currentGate.getStore()?.pass(operation);
}

/** Runs `fn` (and everything it starts) behind `gate`. */
export function withCallGate<T>(gate: CallGate, fn: () => T): T {
  return currentGate.run(gate, fn);
}

/**
 * The buckets a poller paces itself with. A service whose describe and list calls share one quota (HealthOmics
 * documents one bucket for both) has `shared`: every describe and list call takes from it too.
 */
export interface QuotaPlan {
  readonly describe: BucketSpec;
  readonly list: BucketSpec;
  /** Scope listings (data stores, workflows) have quotas of their own; paced at the list rate. */
  readonly scopes: BucketSpec;
  readonly shared?: BucketSpec;
}

/**
 * The plan from a definition's published rates, times `multiplier` (above 1 once AWS Support raised the
 * account's quotas, below 1 to leave room for other callers of the same APIs). Buckets hold one token: the
 * poller never bursts, so the service's own burst allowance stays free to absorb jitter and other callers.
 */
export function quotaPlan(definition: ServiceDefinition, multiplier = 1): QuotaPlan {
  if (!(multiplier > 0) || !Number.isFinite(multiplier)) {
    throw new RangeError(`The quota multiplier must be a positive number, got ${multiplier}`);
  }
  const spec = (perSecond: number): BucketSpec => ({ ratePerSecond: perSecond * multiplier, burst: 1 });
  const shared = definition.quotas.sharedPerSecond;
  return {
    describe: spec(definition.quotas.describePerSecond),
    list: spec(definition.quotas.listPerSecond),
    scopes: spec(definition.quotas.listPerSecond),
    ...(shared !== undefined && { shared: spec(shared) }),
  };
}

/** What the limiter waited, for the cycle's figures. */
export interface PacingStats {
  calls: number;
  waitedMs: number;
}

/**
 * Every call a limiter lets through is published here (`node:diagnostics_channel`: nothing happens unless
 * someone subscribes), so a benchmark or a profiler can tell time spent at the quota from other time.
 */
export const PACING_CHANNEL = 'job-status-aggregator:pacing';

export interface PacingEvent {
  readonly service: string;
  readonly operation: string;
  /** How long the call waited for its token. */
  readonly waitedMs: number;
  /** `performance.now()` when its token was due: the quota was busy for `slotMs` before it. */
  readonly dueAt: number;
  /** One token's worth of time at the bucket's rate. */
  readonly slotMs: number;
}

const pacingChannel = channel(PACING_CHANNEL);

/**
 * The gate of one service: its describe operation takes a describe token, its list operation a list token,
 * other `List…` operations (scopes) a scope token; anything else (an S3 manifest read) is not paced here.
 */
export class QuotaLimiter implements CallGate {
  readonly stats: PacingStats = { calls: 0, waitedMs: 0 };
  private readonly describe: TokenBucket;
  private readonly list: TokenBucket;
  private readonly scopes: TokenBucket;
  private readonly shared: TokenBucket | undefined;
  private readonly now: () => number;

  constructor(
    private readonly definition: ServiceDefinition,
    plan: QuotaPlan,
    clock?: () => number,
  ) {
    this.now = clock ?? (() => performance.now());
    this.describe = new TokenBucket(plan.describe, clock);
    this.list = new TokenBucket(plan.list, clock);
    this.scopes = new TokenBucket(plan.scopes, clock);
    this.shared = plan.shared ? new TokenBucket(plan.shared, clock) : undefined;
  }

  async pass(operation: string): Promise<void> {
    const bucket =
      operation === this.definition.describeOperation
        ? this.describe
        : operation === this.definition.listOperation
          ? this.list
          : operation.startsWith('List')
            ? this.scopes
            : undefined;
    if (!bucket) return;
    this.stats.calls += 1;
    const askedAt = this.now();
    let waitedMs = await bucket.take();
    let slotMs = 1000 / bucket.spec.ratePerSecond;
    if (this.shared && bucket !== this.scopes) {
      waitedMs += await this.shared.take();
      slotMs = Math.max(slotMs, 1000 / this.shared.spec.ratePerSecond);
    }
    this.stats.waitedMs += waitedMs;
    if (pacingChannel.hasSubscribers) {
      const event: PacingEvent = {
        service: this.definition.id,
        operation,
        waitedMs,
        dueAt: askedAt + waitedMs,
        slotMs,
      };
      pacingChannel.publish(event);
    }
  }
}

/** The adapter with every SDK call it makes paced by `gate`. */
export function rateLimited(adapter: ServiceAdapter, gate: CallGate): ServiceAdapter {
  return {
    definition: adapter.definition,
    listScopes: () => gatedIterable(gate, () => adapter.listScopes()),
    listJobs: (scope: string | undefined, options?: ListJobsOptions): AsyncIterable<ListedJob> =>
      gatedIterable(gate, () => adapter.listJobs(scope, options)),
    describeJob: (job: JobLocator): Promise<JobSnapshot> =>
      withCallGate(gate, () => adapter.describeJob(job)),
  };
}

/** Every step of the iteration (where an adapter's generator makes its calls) runs behind the gate. */
function gatedIterable<T>(gate: CallGate, open: () => AsyncIterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const inner = withCallGate(gate, () => open()[Symbol.asyncIterator]());
      return {
        next: () => withCallGate(gate, () => inner.next()),
        return: (value?: unknown) =>
          withCallGate(gate, () =>
            inner.return ? inner.return(value) : Promise.resolve({ done: true as const, value: undefined }),
          ),
      };
    },
  };
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
