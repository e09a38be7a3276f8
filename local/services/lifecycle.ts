import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { Prng } from '../simulator/prng.js';
import type { S3StandIn } from '../simulator/s3-standin.js';
import type { JobChange } from './driver.js';

/**
 * How the simulator plays one service (`<service>/lifecycle.ts`): the life of a job in the service's real
 * raw statuses, the detail that moves while it runs, and what its scopes, ids, names and S3 folders look
 * like. Everything is drawn from the service's own stream of the seed.
 *
 * Durations are counted in ticks (one tick = one poll interval) and every status lasts at least one tick,
 * so a poller that runs once a tick sees every status: the history can be compared with this script
 * status for status. Detail that moves while a job runs (HealthLake's progress report, HealthOmics'
 * per-source statuses) grows tick by tick.
 */

/** How a job ends. */
export type Outcome = 'succeeded' | 'partial' | 'failed' | 'cancelled';

export interface Phase {
  readonly rawStatus: string;
  /** Ticks in this status before the next; 0 for the final status. */
  readonly ticks: number;
  /** The phase in which the job does its work: progress grows through it. */
  readonly working?: boolean;
}

/** Everything decided up front about one job: its statuses and the size of its work. */
export interface JobScript {
  readonly outcome: Outcome;
  readonly phases: readonly Phase[];
  /** Units of work: files (HealthLake, HealthImaging), sources (HealthOmics), records (Entity Resolution). */
  readonly size: number;
  /** Units that fail (partial success), or the reason of a failure. */
  readonly failedUnits: number;
  readonly failureMessage?: string;
}

/** Where a running job stands, for detail such as progress counters. */
export interface JobPosition {
  readonly script: JobScript;
  readonly phaseIndex: number;
  /** 0 when the phase begins, towards 1 as it ends. */
  readonly fraction: number;
  /** Work done, 0..1, over the whole life (1 once the working phase is over). */
  readonly workDone: number;
  readonly jobId: string;
}

/** A simulated job as a lifecycle sees it. */
export interface LifecycleJob {
  readonly scope?: string;
  readonly jobId: string;
  readonly jobName?: string;
  readonly script: JobScript;
}

export interface LifecycleModel {
  readonly service: ServiceId;
  /** The scopes the simulator creates, by name; none for a service whose jobs have no scope. */
  readonly scopeNames: readonly string[];
  /** A scope's id in the service's own format. */
  scopeId(name: string, rng: Prng): string;
  jobId(rng: Prng): string;
  /** `sequence` counts the simulator's jobs so far; undefined for a service whose jobs have no name. */
  jobName(rng: Prng, sequence: number): string | undefined;
  /** The S3 folders a job reads and writes. */
  locations(job: Omit<LifecycleJob, 'script'>): { inputLocation?: string; outputLocation?: string };
  /** The script of a new job. `speed` divides every duration; no status lasts less than one tick. */
  plan(rng: Prng, speed: number): JobScript;
  /** The detail to send with the job at this position (no raw status: the simulator adds that). */
  detail(position: JobPosition): JobChange;
  /** What a job does just before it reaches its final status (HealthImaging writes its output manifest). */
  beforeFinal?(job: LifecycleJob, rawStatus: string, s3: S3StandIn): void;
}

/** Ticks for a phase whose base length (at speed 1) lies in [min, max]. */
export function ticks(rng: Prng, speed: number, min: number, max: number): number {
  return Math.max(1, Math.round(rng.int(min, max) / speed));
}

export const QUEUE = [2, 4] as const;
export const WORK = [5, 12] as const;
export const CANCEL = [1, 3] as const;
/**
 * Now and then a job without progress counters runs three to four times longer than the longest usual
 * one: long enough for local mode's default stall threshold (twice the longest usual run, see
 * local/runner/environment.ts) to report it, with room to spare for cycles that take longer than planned.
 */
export const SLOW_WORK = [36, 50] as const;
export const SLOW_CHANCE = 0.1;

export function workTicks(rng: Prng, speed: number): number {
  return rng.chance(SLOW_CHANCE) ? ticks(rng, speed, ...SLOW_WORK) : ticks(rng, speed, ...WORK);
}

/** A four-digit running number for job names. */
export function sequenceLabel(sequence: number): string {
  return String(sequence).padStart(4, '0');
}
