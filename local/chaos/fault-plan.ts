import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { Prng } from '../simulator/prng.js';

/**
 * The fault scheduler: from one seeded generator, which faults each chaotic round gets, on which operation
 * and which job or scope, and when. The driver applies the plan; the same seed gives the same plan.
 *
 * Faults that touch one job or one scope (a service call that fails) are the bulk; the others touch a whole
 * run (the database goes away for a while, the run is killed or runs out of time, the bus refuses events).
 */

/** Faults a service's fake injects into matching calls. */
export const CALL_FAULTS = [
  'throttle-burst',
  'server-error',
  'hang',
  'reset',
  'malformed',
  'not-found',
  'expired-token',
] as const;
export type CallFault = (typeof CALL_FAULTS)[number];

/** Faults of the whole run or of the machinery around the pollers. */
export const RUN_FAULTS = [
  'dynamodb-outage',
  'time-limit',
  'killed-run',
  'concurrent-pollers',
  'putevents-partial',
  'putevents-total',
  'dead-letter-queue-down',
  'publisher-retried',
  'native-duplicate',
  'native-late',
  'native-reordered',
] as const;
export type RunFault = (typeof RUN_FAULTS)[number];

export type FaultKind = CallFault | RunFault;

/** One call fault: the next `times` calls of `operation` that mention `target` fail with `kind`. */
export interface PlannedCallFault {
  readonly kind: CallFault;
  readonly service: ServiceId;
  readonly operation: string;
  /** A job id or a scope id that the request must mention; undefined for any request. */
  readonly target: string | undefined;
  readonly times: number;
}

export interface PlannedOutage {
  readonly service: ServiceId;
  readonly mode: 'refuse' | 'blackhole';
  /** Milliseconds after the service's poll starts. */
  readonly afterMs: number;
  readonly forMs: number;
}

/** Everything that goes wrong in one chaotic round. */
export interface RoundPlan {
  readonly callFaults: readonly PlannedCallFault[];
  readonly outage?: PlannedOutage;
  /** Services whose run gets a remaining-time budget that runs out mid-cycle, with the budget in ms. */
  readonly timeLimits: ReadonlyMap<ServiceId, number>;
  /** A service whose poll runs in a child process killed after its `afterWrites`-th committed write. */
  readonly kill?: { readonly service: ServiceId; readonly afterWrites: number };
  /** Services polled by two or three runs at once. */
  readonly concurrent: ReadonlyMap<ServiceId, number>;
  /** Share of PutEvents entries refused with ThrottlingException. */
  readonly entryFailureRate: number;
  /** PutEvents calls that fail as a whole (HTTP 500), in a row. */
  readonly putEventsFailures: number;
  /** SendMessageBatch calls to the dead-letter queue that fail, in a row. */
  readonly deadLetterFailures: number;
  /** The publisher's first invocation of a batch "times out": its result is thrown away and Lambda retries. */
  readonly publisherRetried: boolean;
  /** Native events: delivered twice / held back one round / delivered in reverse order. */
  readonly native: { readonly duplicate: number; readonly late: number; readonly reorder: boolean };
}

/** What the scheduler may aim at in one round. */
export interface Targets {
  readonly services: readonly ServiceId[];
  /** Services with jobs that moved this round: a killed run needs a write to be killed after. */
  readonly busy?: readonly ServiceId[];
  /** Per service: the describe operation, the list operation and the known jobs and scopes. */
  readonly byService: ReadonlyMap<
    ServiceId,
    {
      readonly describeOperation: string;
      readonly listOperation: string;
      readonly jobIds: readonly string[];
      readonly scopes: readonly string[];
    }
  >;
}

/** How often each fault happens; every value is a probability per round (or per service and round). */
export interface FaultRates {
  /** Call faults per service and round (each draws a kind and a target). */
  readonly callFaultsPerService: number;
  readonly dynamodbOutage: number;
  readonly timeLimit: number;
  readonly killedRun: number;
  readonly concurrentPollers: number;
  readonly putEventsPartial: number;
  readonly putEventsTotal: number;
  readonly deadLetterQueueDown: number;
  readonly publisherRetried: number;
  readonly nativeDuplicate: number;
  readonly nativeLate: number;
  readonly nativeReordered: number;
  /** The SDK's attempts per call: a burst at least this long fails the call. */
  readonly sdkMaxAttempts: number;
  /** The call faults drawn at random (all by default). */
  readonly callFaultKinds: readonly CallFault[];
}

export const DEFAULT_RATES: FaultRates = {
  callFaultsPerService: 2,
  dynamodbOutage: 0.2,
  timeLimit: 0.15,
  killedRun: 0.08,
  concurrentPollers: 0.3,
  putEventsPartial: 0.3,
  putEventsTotal: 0.15,
  deadLetterQueueDown: 0.1,
  publisherRetried: 0.1,
  nativeDuplicate: 0.3,
  nativeLate: 0.3,
  nativeReordered: 0.3,
  sdkMaxAttempts: 3,
  callFaultKinds: CALL_FAULTS,
};

export function planRound(rng: Prng, targets: Targets, rates: FaultRates = DEFAULT_RATES): RoundPlan {
  const callFaults: PlannedCallFault[] = [];
  for (const service of targets.services) {
    const info = targets.byService.get(service);
    if (!info) continue;
    // A whole number of faults plus a chance of one more: 1.4 means one, and a second 40% of the time.
    const count =
      Math.floor(rates.callFaultsPerService) + (rng.chance(rates.callFaultsPerService % 1) ? 1 : 0);
    for (let index = 0; index < count && rates.callFaultKinds.length > 0; index += 1) {
      const kind = rng.pick(rates.callFaultKinds);
      const onList = kind === 'expired-token' || (kind !== 'not-found' && rng.chance(0.3));
      const pool = onList ? info.scopes : info.jobIds;
      const target = pool.length > 0 ? rng.pick(pool) : undefined;
      if (!onList && target === undefined) continue;
      // Bursts: some shorter than the SDK's attempts (absorbed by its retries), some longer (the call fails).
      const times =
        kind === 'throttle-burst' || kind === 'server-error'
          ? rng.int(1, rates.sdkMaxAttempts + 1)
          : kind === 'hang' || kind === 'reset'
            ? rng.int(1, rates.sdkMaxAttempts)
            : 1;
      callFaults.push({
        kind,
        service,
        operation: onList ? info.listOperation : info.describeOperation,
        target,
        times,
      });
    }
  }

  const outage: PlannedOutage | undefined = rng.chance(rates.dynamodbOutage)
    ? {
        service: rng.pick(targets.services),
        mode: rng.chance(0.5) ? 'refuse' : 'blackhole',
        afterMs: rng.int(0, 40),
        forMs: rng.int(100, 1_500),
      }
    : undefined;

  const timeLimits = new Map<ServiceId, number>();
  for (const service of targets.services) {
    if (rng.chance(rates.timeLimit)) timeLimits.set(service, rng.int(0, 150));
  }
  const killable = targets.busy && targets.busy.length > 0 ? targets.busy : targets.services;
  const kill = rng.chance(rates.killedRun) ? { service: rng.pick(killable), afterWrites: 1 } : undefined;
  const concurrent = new Map<ServiceId, number>();
  for (const service of targets.services) {
    if (service !== kill?.service && rng.chance(rates.concurrentPollers))
      concurrent.set(service, rng.int(2, 3));
  }

  return {
    callFaults,
    ...(outage && { outage }),
    timeLimits,
    ...(kill && { kill }),
    concurrent,
    entryFailureRate: rng.chance(rates.putEventsPartial) ? 0.1 + rng.next() * 0.4 : 0,
    // Long enough that some entries exhaust the publisher's own retries and go to the dead-letter queue.
    putEventsFailures: rng.chance(rates.putEventsTotal) ? rng.int(1, 20) : 0,
    deadLetterFailures: rng.chance(rates.deadLetterQueueDown) ? rng.int(1, 2 * rates.sdkMaxAttempts) : 0,
    publisherRetried: rng.chance(rates.publisherRetried),
    native: {
      duplicate: rng.chance(rates.nativeDuplicate) ? rng.int(1, 3) : 0,
      late: rng.chance(rates.nativeLate) ? rng.int(1, 3) : 0,
      reorder: rng.chance(rates.nativeReordered),
    },
  };
}

/** The fake's fault for a planned call fault. */
export function fakeFaultOf(kind: CallFault) {
  switch (kind) {
    case 'throttle-burst':
      return 'throttle' as const;
    case 'expired-token':
      return 'validation' as const;
    default:
      return kind;
  }
}
