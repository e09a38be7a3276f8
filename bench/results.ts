import type { ServiceId } from '../lambdas/core/service-id.js';
import type { PublisherFigures } from './stream.js';

/** One poller's figures for one service, summed over the measured cycles of a scenario. */
export interface PollerFigures {
  /** Accepted calls by kind (calls the service refused for its quota are in `overQuota`). */
  listCalls: number;
  describeCalls: number;
  /** Scope listings (data stores, workflows, reference stores). */
  scopeCalls: number;
  /** Calls the service refused with ThrottlingException because its quota was spent (retried by the SDK). */
  overQuota: number;
  /** Throttling errors that reached the poller (past the SDK's retries). */
  throttled: number;
  /** Other errors that reached the poller. */
  errors: number;
  /** Describes made only to refresh a running job's progress (our poller reports them). */
  refreshDescribes: number;
  /** The poller's writes and the history items the publisher stores from them (bench/stream.ts). */
  writeUnits: number;
  /** Of `writeUnits`: the publisher's history items. */
  historyWriteUnits: number;
  readUnits: number;
  itemsWritten: number;
  /** Current items written and history items stored, and their summed sizes (DynamoDB's item-size rules). */
  currentItems: number;
  currentBytes: number;
  historyItems: number;
  historyBytes: number;
  /** Jobs written although the benchmark did not change them. */
  unchangedWritten: number;
  events: number;
  wallMs: number;
  /** Wall time bound by the services (calls in flight or waiting for their quota). */
  serviceWallMs: number;
  /** Real-time equivalent of the cycle (see bench/our-poller.ts and BENCHMARKS.md). */
  realMs: number;
  /** Calls / quota rate of the slowest bucket, real milliseconds. */
  boundMs: number;
  /** Invocations (a cycle cut by the deadline continues in the next). */
  runs: number;
  /** The last invocation of a cycle still reported the cycle incomplete. */
  incomplete: number;
}

export function emptyPollerFigures(): PollerFigures {
  return {
    listCalls: 0,
    describeCalls: 0,
    scopeCalls: 0,
    overQuota: 0,
    throttled: 0,
    errors: 0,
    refreshDescribes: 0,
    writeUnits: 0,
    historyWriteUnits: 0,
    readUnits: 0,
    itemsWritten: 0,
    currentItems: 0,
    currentBytes: 0,
    historyItems: 0,
    historyBytes: 0,
    unchangedWritten: 0,
    events: 0,
    wallMs: 0,
    serviceWallMs: 0,
    realMs: 0,
    boundMs: 0,
    runs: 0,
    incomplete: 0,
  };
}

export function addFigures(into: PollerFigures, from: PollerFigures): void {
  for (const key of Object.keys(into) as (keyof PollerFigures)[]) into[key] += from[key];
}

/** The publisher's part of a cycle, from the stream (bench/stream.ts); `writeUnits` is added by the caller. */
export function addPublisherFigures(into: PollerFigures, from: PublisherFigures | undefined): void {
  if (!from) return;
  into.events = from.events;
  into.historyWriteUnits = from.writeUnits;
  into.currentItems = from.currentItems;
  into.currentBytes = from.currentBytes;
  into.historyItems = from.historyItems;
  into.historyBytes = from.historyBytes;
}

export function callsOf(figures: PollerFigures): number {
  return figures.listCalls + figures.describeCalls + figures.scopeCalls;
}

export interface ServiceResult {
  readonly service: ServiceId;
  /** Speed-up the service ran at. */
  readonly speedup: number;
  readonly active: number;
  readonly finished: number;
  /** Summed over the cycles, like the figures. */
  transitions: number;
  lowerBoundPages: number;
  lowerBoundTotal: number;
  /** Pages of a full listing of every job at the end of the scenario (a full sweep). */
  fullListingPages: number;
  readonly ours: PollerFigures;
  readonly naive: PollerFigures | undefined;
}

export interface ScenarioResult {
  readonly size: number;
  readonly finishedRatio: number;
  readonly cycles: number;
  readonly services: ServiceResult[];
  /** Benchmark process CPU during our cycles, as a share of one core. */
  ourCpuShare: number;
  ourPeakHeapMb: number;
  /** How far the heap rose above its level before our cycles: the pollers' working set, roughly. */
  ourHeapGrowthMb: number;
  naiveCpuShare: number;
  /** Peak resident memory of the benchmark process so far. */
  maxRssMb: number;
}
