import type { HistoryRecord } from '../../lambdas/core/history.js';
import { formatJobKey } from '../../lambdas/core/job-key.js';
import type { CurrentJob } from '../../lambdas/core/recording.js';
import { SERVICE_IDS, type ServiceId } from '../../lambdas/core/service-id.js';
import { isTerminal, JOB_STATUSES, type JobStatus } from '../../lambdas/core/status.js';

/**
 * What the report shows, computed from history records and current jobs, without any rendering: one lane
 * per job made of status segments, counts by status, the slowest and the failed jobs. Pure: the same input
 * gives the same model.
 */

export interface ReportInput {
  readonly title?: string;
  /** The report's "now": running jobs' lanes end here. */
  readonly generatedAt: Date;
  /** Start of the window the history was read for; the timeline starts here (or at the first record). */
  readonly since?: Date;
  /** Where the data came from, e.g. `table jobs-local at http://127.0.0.1:8000`. */
  readonly source: string;
  /** Transition and stall records (progress records are ignored), any order. */
  readonly history: readonly HistoryRecord[];
  /** The current state of the jobs (those in the history, and any others to show). */
  readonly jobs: readonly CurrentJob[];
  /** Lanes drawn at most (default 400); the rest are counted, not drawn. */
  readonly maxLanes?: number;
  /** Rows of the slowest-jobs table (default 10). */
  readonly slowest?: number;
}

export interface Segment {
  readonly status: JobStatus;
  readonly rawStatus: string;
  readonly from: number;
  readonly to: number;
}

export interface Lane {
  readonly jobKey: string;
  readonly service: ServiceId;
  readonly jobId: string;
  readonly scope?: string;
  /** The job's target: the account and region in its key. */
  readonly accountId?: string;
  readonly region?: string;
  readonly jobName?: string;
  readonly status: JobStatus;
  readonly rawStatus: string;
  readonly terminal: boolean;
  readonly segments: readonly Segment[];
  /** Times stalls were reported. */
  readonly stalls: readonly number[];
  /** Submitted (or, where a service gives no submission time, started). */
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly message?: string;
  /** From submission (or first sighting) to the end (or now, while running). */
  readonly durationMs: number;
}

export interface ServiceGroup {
  readonly service: ServiceId;
  readonly lanes: readonly Lane[];
}

export interface ReportModel {
  readonly title: string;
  readonly source: string;
  readonly generatedAt: number;
  readonly start: number;
  readonly end: number;
  readonly groups: readonly ServiceGroup[];
  /** Jobs in the window that were not drawn (over `maxLanes`). */
  readonly hiddenLanes: number;
  readonly totals: ReadonlyMap<JobStatus, number>;
  readonly byService: ReadonlyMap<ServiceId, ReadonlyMap<JobStatus, number>>;
  readonly slowest: readonly Lane[];
  readonly failed: readonly Lane[];
  readonly jobCount: number;
  /** Distinct account-and-region pairs among the jobs: above one, each lane names its target. */
  readonly targetCount: number;
  readonly transitionCount: number;
  readonly stallCount: number;
}

interface Draft {
  jobKey: string;
  service: ServiceId;
  jobId: string;
  scope?: string;
  accountId?: string;
  region?: string;
  jobName?: string;
  transitions: { at: number; version: number; status: JobStatus; rawStatus: string }[];
  stalls: number[];
  current?: CurrentJob;
  latest?: HistoryRecord;
}

export function buildReportModel(input: ReportInput): ReportModel {
  const now = input.generatedAt.getTime();
  const drafts = new Map<string, Draft>();
  const draftOf = (key: HistoryRecord['key']): Draft => {
    const jobKey = formatJobKey(key);
    let draft = drafts.get(jobKey);
    if (!draft) {
      draft = {
        jobKey,
        service: key.service,
        jobId: key.jobId,
        ...(key.scope !== undefined && { scope: key.scope }),
        ...(key.accountId !== undefined && { accountId: key.accountId }),
        ...(key.region !== undefined && { region: key.region }),
        transitions: [],
        stalls: [],
      };
      drafts.set(jobKey, draft);
    }
    return draft;
  };

  let transitionCount = 0;
  let stallCount = 0;
  for (const record of input.history) {
    if (record.kind === 'progress') continue;
    const draft = draftOf(record.key);
    const at = Date.parse(record.recordedAt);
    if (!draft.latest || record.version > draft.latest.version) draft.latest = record;
    if (record.snapshot.jobName) draft.jobName = record.snapshot.jobName;
    if (record.kind === 'transition') {
      transitionCount += 1;
      draft.transitions.push({
        at,
        version: record.version,
        status: record.to.status,
        rawStatus: record.to.rawStatus,
      });
    } else {
      stallCount += 1;
      draft.stalls.push(at);
    }
  }
  for (const job of input.jobs) {
    const draft = draftOf(job.snapshot.key);
    draft.current = job;
    if (job.snapshot.jobName) draft.jobName = job.snapshot.jobName;
  }

  const times = [...drafts.values()].flatMap((draft) => [
    ...draft.transitions.map((transition) => transition.at),
    ...(draft.current && draft.transitions.length === 0 ? [Date.parse(draft.current.statusSince)] : []),
  ]);
  // The timeline spans what happened: from the first change (not before the window) to now.
  const earliest = times.length > 0 ? Math.min(...times) : now - 3_600_000;
  const start = Math.min(now - 1_000, Math.max(input.since?.getTime() ?? earliest, earliest));
  const end = now;

  const lanes = [...drafts.values()].map((draft) => toLane(draft, start, now));
  const order = (lane: Lane) => lane.segments[0]?.from ?? lane.startedAt ?? start;
  lanes.sort(
    (a, b) =>
      SERVICE_IDS.indexOf(a.service) - SERVICE_IDS.indexOf(b.service) ||
      order(a) - order(b) ||
      a.jobKey.localeCompare(b.jobKey),
  );

  const maxLanes = input.maxLanes ?? 400;
  const drawn = lanes.slice(0, maxLanes);
  const groups = SERVICE_IDS.map((service) => ({
    service,
    lanes: drawn.filter((lane) => lane.service === service),
  })).filter((group) => group.lanes.length > 0);

  const totals = new Map<JobStatus, number>();
  const byService = new Map<ServiceId, Map<JobStatus, number>>();
  for (const lane of lanes) {
    totals.set(lane.status, (totals.get(lane.status) ?? 0) + 1);
    const row = byService.get(lane.service) ?? new Map<JobStatus, number>();
    row.set(lane.status, (row.get(lane.status) ?? 0) + 1);
    byService.set(lane.service, row);
  }
  const orderedTotals = new Map(
    JOB_STATUSES.filter((status) => totals.has(status)).map((s) => [s, totals.get(s) ?? 0]),
  );

  return {
    title: input.title ?? 'Job status report',
    source: input.source,
    generatedAt: now,
    start,
    end,
    groups,
    hiddenLanes: lanes.length - drawn.length,
    totals: orderedTotals,
    byService,
    slowest: [...lanes].sort((a, b) => b.durationMs - a.durationMs).slice(0, input.slowest ?? 10),
    failed: lanes
      .filter((lane) => lane.status === 'FAILED')
      .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0)),
    jobCount: lanes.length,
    targetCount: new Set(lanes.map(targetLabel)).size,
    transitionCount,
    stallCount,
  };
}

function toLane(draft: Draft, start: number, now: number): Lane {
  const transitions = [...draft.transitions].sort((a, b) => a.version - b.version || a.at - b.at);
  const current = draft.current;
  const snapshot = current?.snapshot ?? draft.latest?.snapshot;
  const last = transitions.at(-1);
  const status = current?.snapshot.status ?? last?.status ?? snapshot?.status ?? 'UNKNOWN';
  const rawStatus = current?.snapshot.rawStatus ?? last?.rawStatus ?? snapshot?.rawStatus ?? '';
  const terminal = isTerminal(status);

  const segments: Segment[] = [];
  if (transitions.length === 0 && current) {
    // Known only from its current state: one segment from when it entered that status.
    const from = Math.max(start, Date.parse(current.statusSince));
    segments.push({ status, rawStatus, from, to: terminal ? from : now });
  }
  for (const [index, transition] of transitions.entries()) {
    const next = transitions[index + 1];
    const to = next ? next.at : isTerminal(transition.status) ? transition.at : now;
    const from = Math.max(start, transition.at);
    segments.push({
      status: transition.status,
      rawStatus: transition.rawStatus,
      from,
      to: Math.max(from, to),
    });
  }

  const startedAt = parseTime(snapshot?.submittedAt) ?? parseTime(snapshot?.startedAt);
  const endedAt = parseTime(snapshot?.endedAt) ?? (terminal ? segments.at(-1)?.from : undefined);
  const began = startedAt ?? segments[0]?.from ?? start;
  const finished = terminal ? (endedAt ?? segments.at(-1)?.from ?? now) : now;
  return {
    jobKey: draft.jobKey,
    service: draft.service,
    jobId: draft.jobId,
    ...(draft.scope !== undefined && { scope: draft.scope }),
    ...(draft.accountId !== undefined && { accountId: draft.accountId }),
    ...(draft.region !== undefined && { region: draft.region }),
    ...(draft.jobName !== undefined && { jobName: draft.jobName }),
    status,
    rawStatus,
    terminal,
    segments,
    stalls: [...draft.stalls].sort((a, b) => a - b),
    ...(startedAt !== undefined && { startedAt }),
    ...(endedAt !== undefined && { endedAt }),
    ...(snapshot?.message !== undefined && { message: snapshot.message }),
    durationMs: Math.max(0, finished - began),
  };
}

/** `<account> <region>`, a dash for a part the key does not have. */
export function targetLabel(lane: Pick<Lane, 'accountId' | 'region'>): string {
  return `${lane.accountId ?? '—'} ${lane.region ?? '—'}`;
}

function parseTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}
