import type { HistoryRecord, TransitionRecord } from '../../lambdas/core/history.js';
import { formatJobKey } from '../../lambdas/core/job-key.js';
import { isTerminal, type JobStatus } from '../../lambdas/core/status.js';

/**
 * Compares what really happened (the simulator's ground truth) with what the aggregator recorded (history
 * items in the table) and emitted (events accepted by the bus, plus dead letters), and produces the figures
 * a chaos run prints and a test asserts.
 *
 * Definitions, per job:
 * - true transitions: every raw status the job passed through, consecutive repeats folded; the first one
 *   counts (the aggregator records a job's first sighting as a transition too).
 * - observable: the statuses the job held when the run made a clean observation round (no fault injected
 *   into that round; see the driver). A status that came and went between two rounds cannot be seen by
 *   polling at all; it is counted as `coalesced`, not as lost.
 * - lost: an observable status with no transition record, or a transition record with no event delivered
 *   or dead-lettered.
 * - spurious: a transition record or an event that does not fit the true sequence (a status the job never
 *   had, or out of order), or is about a job that does not exist.
 * - regressed: a record that moves a job out of a terminal status.
 * - duplicates: deliveries of a transition id beyond the first. Each must carry the same id and the same
 *   detail; a second id for one job version is counted as `duplicatesWithOtherId` (must be 0).
 */

export interface TruthJob {
  /** `formatJobKey` of the job. */
  readonly jobKey: string;
  /** Every raw status the job passed through, in order. */
  readonly passed: readonly string[];
  /** The raw statuses it held at each clean observation round, in order. */
  readonly observed: readonly string[];
}

/** One event as it left the aggregator: accepted by the bus, or written to the dead-letter queue. */
export interface DeliveredEvent {
  readonly detailType: string;
  /** The detail JSON exactly as sent. */
  readonly detail: string;
  readonly via: 'bus' | 'dead-letter';
}

export interface CheckInput {
  readonly truth: readonly TruthJob[];
  /** Every history record in the table. */
  readonly history: readonly HistoryRecord[];
  readonly delivered: readonly DeliveredEvent[];
}

export interface Problem {
  readonly kind:
    | 'lost-record'
    | 'lost-event'
    | 'spurious-record'
    | 'spurious-event'
    | 'regressed'
    | 'duplicate-other-id'
    | 'duplicate-other-detail';
  readonly jobKey: string;
  readonly detail: string;
}

export interface CheckFigures {
  readonly jobs: number;
  readonly trueTransitions: number;
  readonly observableTransitions: number;
  /** True statuses no clean round could see (shorter than the gap between two rounds). */
  readonly coalesced: number;
  readonly recordedTransitions: number;
  /** Distinct transition ids delivered to the bus or dead-lettered. */
  readonly emittedTransitions: number;
  readonly deadLettered: number;
  readonly lost: number;
  readonly lostEvents: number;
  readonly spurious: number;
  readonly regressed: number;
  /** Deliveries of a transition or stall id beyond its first. */
  readonly duplicateDeliveries: number;
  /** Deliveries of one job version under a second id (must be 0). */
  readonly duplicatesWithOtherId: number;
  readonly stallsRecorded: number;
  readonly stallsEmitted: number;
}

export interface CheckResult {
  readonly figures: CheckFigures;
  /** Every problem found, for the report; empty when the run lost, invented and regressed nothing. */
  readonly problems: readonly Problem[];
}

interface ParsedEvent {
  readonly id: string;
  readonly jobKey: string;
  readonly version: number;
  readonly detailType: string;
  readonly rawStatus: string;
  readonly status: string;
  readonly detail: string;
  readonly via: DeliveredEvent['via'];
}

export function checkRun(input: CheckInput): CheckResult {
  const problems: Problem[] = [];
  const truthByKey = new Map(input.truth.map((job) => [job.jobKey, job]));

  // History, per job, by version.
  const transitionsByJob = new Map<string, TransitionRecord[]>();
  const recordIds = new Map<string, HistoryRecord>();
  let stallsRecorded = 0;
  for (const record of input.history) {
    recordIds.set(record.recordId, record);
    if (record.kind === 'stall') stallsRecorded += 1;
    if (record.kind !== 'transition') continue;
    const key = formatJobKey(record.key);
    const list = transitionsByJob.get(key) ?? [];
    list.push(record);
    transitionsByJob.set(key, list);
  }
  for (const list of transitionsByJob.values()) list.sort((a, b) => a.version - b.version);

  let trueTransitions = 0;
  let observableTransitions = 0;
  let coalesced = 0;
  let lost = 0;
  let spurious = 0;
  let regressed = 0;

  for (const job of input.truth) {
    const passed = fold(job.passed);
    trueTransitions += passed.length;
    const observedIndexes = subsequenceIndexes(passed, fold(job.observed));
    if (observedIndexes.unmatched.length > 0) {
      // The driver's own bookkeeping is wrong; say so loudly rather than bend the figures.
      throw new Error(
        `ground truth of ${job.jobKey} does not contain its observed statuses ${JSON.stringify(observedIndexes.unmatched)}`,
      );
    }
    const observable = new Set(observedIndexes.matched);
    observableTransitions += observable.size;
    coalesced += passed.length - observable.size;

    const records = transitionsByJob.get(job.jobKey) ?? [];
    const recorded = subsequenceIndexes(
      passed,
      records.map((record) => record.to.rawStatus),
    );
    for (const index of recorded.unmatchedPositions) {
      const record = records[index];
      spurious += 1;
      problems.push({
        kind: 'spurious-record',
        jobKey: job.jobKey,
        detail: `v${record?.version} ${record?.from?.rawStatus ?? '∅'} → ${record?.to.rawStatus} is not in the true sequence ${passed.join(' → ')}`,
      });
    }
    const recordedIndexes = new Set(recorded.matched);
    for (const index of observable) {
      if (recordedIndexes.has(index)) continue;
      lost += 1;
      problems.push({
        kind: 'lost-record',
        jobKey: job.jobKey,
        detail: `${passed[index]} (true: ${passed.join(' → ')}; recorded: ${records.map((r) => r.to.rawStatus).join(' → ') || 'nothing'})`,
      });
    }
    regressed += countRegressions(job.jobKey, records, problems);
  }

  // Records about jobs that never existed.
  for (const [jobKey, records] of transitionsByJob) {
    if (truthByKey.has(jobKey)) continue;
    spurious += records.length;
    problems.push({
      kind: 'spurious-record',
      jobKey,
      detail: `${records.length} record(s) for a job the services never had`,
    });
    regressed += countRegressions(jobKey, records, problems);
  }

  // Events.
  const events = input.delivered.map(parseEvent);
  const byId = new Map<string, ParsedEvent[]>();
  for (const event of events) {
    const list = byId.get(event.id) ?? [];
    list.push(event);
    byId.set(event.id, list);
  }
  let duplicateDeliveries = 0;
  let duplicatesWithOtherId = 0;
  let deadLettered = 0;
  let emittedTransitions = 0;
  let stallsEmitted = 0;
  const idByVersion = new Map<string, string>();
  for (const [id, deliveries] of byId) {
    const first = deliveries[0] as ParsedEvent;
    duplicateDeliveries += deliveries.length - 1;
    if (deliveries.some((event) => event.via === 'dead-letter')) deadLettered += 1;
    if (first.detailType === 'Job Stalled') stallsEmitted += 1;
    else emittedTransitions += 1;
    if (deliveries.some((event) => event.detail !== first.detail)) {
      problems.push({
        kind: 'duplicate-other-detail',
        jobKey: first.jobKey,
        detail: `${id} delivered ${deliveries.length} times with different details`,
      });
    }
    const versionKey = `${first.jobKey}\n${first.version}\n${first.detailType}`;
    const other = idByVersion.get(versionKey);
    if (other !== undefined && other !== id) {
      duplicatesWithOtherId += deliveries.length;
      problems.push({
        kind: 'duplicate-other-id',
        jobKey: first.jobKey,
        detail: `version ${first.version} delivered under ids ${other} and ${id}`,
      });
    } else {
      idByVersion.set(versionKey, id);
    }
    const record = recordIds.get(id);
    if (!record || formatJobKey(record.key) !== first.jobKey || record.version !== first.version) {
      spurious += 1;
      problems.push({
        kind: 'spurious-event',
        jobKey: first.jobKey,
        detail: `${first.detailType} ${id} (v${first.version} ${first.rawStatus}) matches no history record`,
      });
    }
  }

  // Every publishable record must have left as an event.
  let lostEvents = 0;
  for (const record of input.history) {
    if (record.kind === 'progress' || byId.has(record.recordId)) continue;
    lostEvents += 1;
    problems.push({
      kind: 'lost-event',
      jobKey: formatJobKey(record.key),
      detail: `${record.kind} v${record.version} (${record.recordId}) was recorded but never delivered or dead-lettered`,
    });
  }

  const recordedTransitions = [...transitionsByJob.values()].reduce((sum, list) => sum + list.length, 0);
  return {
    figures: {
      jobs: input.truth.length,
      trueTransitions,
      observableTransitions,
      coalesced,
      recordedTransitions,
      emittedTransitions,
      deadLettered,
      lost: lost + lostEvents,
      lostEvents,
      spurious,
      regressed,
      duplicateDeliveries,
      duplicatesWithOtherId,
      stallsRecorded,
      stallsEmitted,
    },
    problems,
  };
}

/** Consecutive repeats removed. */
export function fold(statuses: readonly string[]): string[] {
  const out: string[] = [];
  for (const status of statuses) if (out.at(-1) !== status) out.push(status);
  return out;
}

/**
 * Greedy subsequence match of `items` in `sequence`: the index in `sequence` of each matched item (in
 * order), the items that did not fit, and their positions in `items`.
 */
export function subsequenceIndexes(
  sequence: readonly string[],
  items: readonly string[],
): { matched: number[]; unmatched: string[]; unmatchedPositions: number[] } {
  const matched: number[] = [];
  const unmatched: string[] = [];
  const unmatchedPositions: number[] = [];
  let cursor = 0;
  items.forEach((item, position) => {
    let found = -1;
    for (let index = cursor; index < sequence.length; index += 1) {
      if (sequence[index] === item) {
        found = index;
        break;
      }
    }
    if (found < 0) {
      unmatched.push(item);
      unmatchedPositions.push(position);
      return;
    }
    matched.push(found);
    cursor = found + 1;
  });
  return { matched, unmatched, unmatchedPositions };
}

function countRegressions(jobKey: string, records: readonly TransitionRecord[], problems: Problem[]): number {
  let count = 0;
  let terminal: TransitionRecord | undefined;
  for (const record of records) {
    if (terminal) {
      count += 1;
      problems.push({
        kind: 'regressed',
        jobKey,
        detail: `v${record.version} ${record.to.rawStatus} recorded after terminal v${terminal.version} ${terminal.to.rawStatus}`,
      });
      continue;
    }
    if (isTerminal(record.to.status as JobStatus)) terminal = record;
  }
  return count;
}

function parseEvent(event: DeliveredEvent): ParsedEvent {
  const detail = JSON.parse(event.detail) as {
    transitionId?: string;
    stallId?: string;
    jobKey?: string;
    version?: number;
    rawStatus?: string;
    status?: string;
  };
  return {
    id: detail.transitionId ?? detail.stallId ?? '',
    jobKey: detail.jobKey ?? '',
    version: detail.version ?? 0,
    detailType: event.detailType,
    rawStatus: detail.rawStatus ?? '',
    status: detail.status ?? '',
    detail: event.detail,
    via: event.via,
  };
}
