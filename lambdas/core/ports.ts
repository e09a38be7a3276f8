import type { Target } from '../contract/hub.js';
import type { StallRecord, TransitionRecord } from './history.js';
import type { JobKey } from './job-key.js';
import type { ServiceId } from './service-id.js';
import type { JobSnapshot } from './snapshot.js';

/** The current state of one job as the store holds it. */
export interface StoredJob {
  readonly snapshot: JobSnapshot;
  /** Optimistic-lock version: grows by one with each recorded change. */
  readonly version: number;
  /** When the status or progress last changed (drives stall detection). */
  readonly lastChangeAt: string;
  /** When the current snapshot was last written (drives the progress write interval). */
  readonly writtenAt: string;
  /** Set while a stall has been reported and no change has ended it. */
  readonly stalledSince?: string;
}

/** What recording one observation did. */
export type RecordResult =
  | { readonly kind: 'transition'; readonly record: TransitionRecord }
  | { readonly kind: 'progress'; readonly written: boolean }
  | { readonly kind: 'unchanged' }
  /** Another writer recorded a newer version first; nothing was written. */
  | { readonly kind: 'lost-race' }
  /** A terminal job reported as something else; ignored, and the caller logs the conflict. */
  | { readonly kind: 'regression'; readonly current: StoredJob; readonly observed: JobSnapshot };

/**
 * Where a listing that a run's deadline cut short goes on in the next run. Only unfiltered listings (every
 * job, finished ones included: Entity Resolution, Panorama, full sweeps) are resumed: they are the ones that
 * can outgrow a run, and the only ones whose page tokens do not depend on the time of the run.
 */
export interface ListCursor {
  /** The scope whose listing was cut short (undefined for services without scopes). */
  readonly scope: string | undefined;
  /** Token of the first page not wholly handled; undefined: the scope's first page. */
  readonly pageToken: string | undefined;
  /** The listing cut short was a full sweep: the next run goes on sweeping. */
  readonly fullSweep: boolean;
  readonly savedAt: string;
}

/**
 * Where job state and history live. `record` compares `next` with `previous` (what the caller read) and
 * writes with a condition on `previous.version`, so concurrent pollers produce one history record.
 */
export interface JobStateStore {
  get(key: JobKey): Promise<StoredJob | undefined>;
  /**
   * Non-terminal jobs of one service: the poller's work list. With a target, only the jobs of that account
   * and region (a hub polls each target on its own; nothing of one may reach another's cycle).
   */
  listActive(service: ServiceId, target?: Target): AsyncIterable<StoredJob>;
  record(previous: StoredJob | undefined, next: JobSnapshot): Promise<RecordResult>;
  /** Records a stall once; `undefined` when the job changed meanwhile or the stall is already recorded. */
  recordStall(current: StoredJob, now: Date): Promise<StallRecord | undefined>;
  /**
   * The service's saved list cursor (the target's own, given one), if any. A store without these methods
   * never resumes a listing.
   */
  loadListCursor?(service: ServiceId, target?: Target): Promise<ListCursor | undefined>;
  /** Saves the cursor, or with `undefined` clears it. */
  saveListCursor?(service: ServiceId, cursor: ListCursor | undefined, target?: Target): Promise<void>;
  /**
   * When a run of the service (the target's own, given one) finished recording the look-back of its first
   * run, if one has. A store without these methods never backfills.
   */
  loadBackfillMark?(service: ServiceId, target?: Target): Promise<string | undefined>;
  saveBackfillMark?(service: ServiceId, at: string, target?: Target): Promise<void>;
}

/** The structural logger every module takes, so core code never needs Powertools or the SDK. */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
