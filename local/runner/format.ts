import type { HistoryRecord } from '../../lambdas/core/history.js';
import { SERVICE_IDS, type ServiceId } from '../../lambdas/core/service-id.js';
import type { JobStatus } from '../../lambdas/core/status.js';
import { LOCAL_SERVICES } from '../services/registry.js';
import type { JobState, LocalRunner } from './runner.js';

/** Text helpers shared by the live view, the line output and the summary. No dependencies: plain ANSI. */

export interface Style {
  readonly color: boolean;
}

const CODES = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
} as const;

export type Tone = Exclude<keyof typeof CODES, 'reset'>;

export function paint(style: Style, tone: Tone, text: string): string {
  return style.color && text !== '' ? `${CODES[tone]}${text}${CODES.reset}` : text;
}

/** The columns of the status table, in lifecycle order. */
export const STATUS_COLUMNS: readonly {
  readonly status: JobStatus;
  readonly label: string;
  readonly tone: Tone;
}[] = [
  { status: 'QUEUED', label: 'queued', tone: 'dim' },
  { status: 'RUNNING', label: 'running', tone: 'cyan' },
  { status: 'SUCCEEDED', label: 'succeeded', tone: 'green' },
  { status: 'SUCCEEDED_WITH_ERRORS', label: 'partial', tone: 'yellow' },
  { status: 'FAILED', label: 'failed', tone: 'red' },
  { status: 'CANCELLING', label: 'cancelling', tone: 'magenta' },
  { status: 'CANCELLED', label: 'cancelled', tone: 'magenta' },
  { status: 'UNKNOWN', label: 'unknown', tone: 'yellow' },
];

export function statusTone(status: JobStatus): Tone {
  return STATUS_COLUMNS.find((column) => column.status === status)?.tone ?? 'bold';
}

/** A service's name in tables and lines. */
export function serviceLabel(service: ServiceId): string {
  return LOCAL_SERVICES[service].label;
}

/** Visible length of a string that may hold ANSI colour codes. */
export function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point.
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').length;
}

export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

export function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleLength(text))) + text;
}

/** Cuts a line to `width` visible characters, keeping colour codes intact. */
export function clip(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  let out = '';
  let visible = 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point.
  for (const part of text.split(/(\x1b\[[0-9;?]*[A-Za-z])/)) {
    if (part.startsWith('\x1b[')) {
      out += part;
      continue;
    }
    const room = width - 1 - visible;
    if (room <= 0) continue;
    out += part.slice(0, room);
    visible += Math.min(part.length, room);
  }
  return `${out}…\x1b[0m`;
}

export function duration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

export function clock(iso: string): string {
  return new Date(iso).toISOString().slice(11, 19);
}

/** A job's short name for a line: its name when it has one, else a shortened id. */
export function jobLabel(job: { readonly jobId: string; readonly jobName?: string }): string {
  if (job.jobName) return job.jobName;
  return job.jobId.length > 18 ? `${job.jobId.slice(0, 9)}…${job.jobId.slice(-8)}` : job.jobId;
}

/** One history record as a line: time, service, job, change. */
export function recordLine(record: HistoryRecord, style: Style): string {
  const service = padEnd(serviceLabel(record.key.service), 17);
  const job = padEnd(
    jobLabel({
      jobId: record.key.jobId,
      ...(record.snapshot.jobName && { jobName: record.snapshot.jobName }),
    }),
    28,
  );
  let change: string;
  if (record.kind === 'transition') {
    const to = paint(style, statusTone(record.to.status), record.to.rawStatus);
    change = record.from ? `${record.from.rawStatus} → ${to}` : `new → ${to}`;
    if (record.to.status !== record.to.rawStatus) change += paint(style, 'dim', ` (${record.to.status})`);
  } else if (record.kind === 'stall') {
    change = paint(
      style,
      'yellow',
      `stalled: no change for ${record.stalledForSeconds} s in ${record.snapshot.rawStatus}`,
    );
  } else {
    change = 'progress';
  }
  return `${paint(style, 'dim', clock(record.recordedAt))}  ${service} ${job} ${change}`;
}

/** `1 stall`, `2 stalls`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Jobs by service and normalized status, from the runner's latest view of each job. */
export function statusCounts(jobs: Iterable<JobState>): Map<ServiceId, Map<JobStatus, number>> {
  const counts = new Map<ServiceId, Map<JobStatus, number>>();
  for (const job of jobs) {
    const byStatus = counts.get(job.service) ?? new Map<JobStatus, number>();
    byStatus.set(job.status, (byStatus.get(job.status) ?? 0) + 1);
    counts.set(job.service, byStatus);
  }
  return counts;
}

/** The status table: one row per service, one column per status in use, plus cycle figures. */
export function statusTable(runner: LocalRunner, style: Style): string[] {
  const counts = statusCounts(runner.jobs.values());
  const columns = STATUS_COLUMNS.filter(
    (column) => column.status !== 'UNKNOWN' || [...counts.values()].some((row) => row.has('UNKNOWN')),
  );
  const head = [
    padEnd('service', 18),
    ...columns.map((column) => padStart(column.label, 11)),
    padStart('cycle', 8),
    padStart('avg', 7),
    padStart('errors', 8),
  ].join('');
  const lines = [paint(style, 'bold', head)];
  const totals = new Map<JobStatus, number>();
  const services = SERVICE_IDS.filter((service) => runner.services.has(service));
  for (const service of services) {
    const row = counts.get(service) ?? new Map<JobStatus, number>();
    const stats = runner.services.get(service);
    const errors = stats ? Object.values(stats.errors).reduce((sum, n) => sum + n, 0) + stats.crashes : 0;
    const cells = columns.map((column) => {
      const n = row.get(column.status) ?? 0;
      totals.set(column.status, (totals.get(column.status) ?? 0) + n);
      return padStart(n === 0 ? paint(style, 'dim', '·') : paint(style, column.tone, String(n)), 11);
    });
    lines.push(
      [
        padEnd(serviceLabel(service), 18),
        ...cells,
        padStart(stats && stats.cycles > 0 ? `${stats.lastMs}ms` : '-', 8),
        padStart(stats && stats.cycles > 0 ? `${Math.round(stats.totalMs / stats.cycles)}ms` : '-', 7),
        padStart(errors === 0 ? paint(style, 'dim', '·') : paint(style, 'red', String(errors)), 8),
      ].join(''),
    );
  }
  if (services.length > 1) {
    lines.push(
      [
        padEnd(paint(style, 'bold', 'all'), 18),
        ...columns.map((column) => padStart(String(totals.get(column.status) ?? 0), 11)),
      ].join(''),
    );
  }
  return lines;
}

/** Counts of what each subscription received, as `name n`. */
export function subscriptionCounts(runner: LocalRunner): string {
  return runner.standIn
    .subscriptions()
    .map((subscription) => `${subscription.name} ${subscription.events.length}`)
    .join(' · ');
}

/** The events line: what reached the bus, what was retried, dead letters. */
export function eventsLine(runner: LocalRunner): string {
  if (runner.options.bus) return `published to your bus ${runner.options.bus}`;
  if (!runner.relay) return "not relayed here: your deployed stack's publisher reads this table's stream";
  const refused = [...runner.standIn.refused.values()].reduce((sum, n) => sum + n, 0);
  const parts = [`${runner.standIn.received.length} delivered`];
  if (refused > 0) parts.push(`${refused} refused by the bus (ThrottlingException) and retried`);
  if (runner.standIn.deadLetters.length > 0) parts.push(`${runner.standIn.deadLetters.length} dead letters`);
  return parts.join(', ');
}
