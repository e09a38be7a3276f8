import Table from 'cli-table3';
import type { HistoryRecord } from '../lambdas/core/history.js';
import { formatJobKey } from '../lambdas/core/job-key.js';
import type { CurrentJob } from '../lambdas/core/recording.js';
import type { Counters } from '../lambdas/core/snapshot.js';

/** `--output table`: the tables people read, one per kind of result. */

function newTable(head?: string[]): Table.Table {
  return new Table({
    ...(head && { head }),
    style: { head: [], border: [] },
    wordWrap: true,
  });
}

export function jobTable(job: CurrentJob): string {
  const s = job.snapshot;
  const table = newTable();
  const rows: [string, string | undefined][] = [
    ['Job', formatJobKey(s.key)],
    ['Name', s.jobName],
    ['Status', `${s.status} (${s.rawStatus})`],
    ['Status since', job.statusSince],
    ['Last change', job.lastChangeAt],
    ['Last written', job.writtenAt],
    ['Stalled since', job.stalledSince],
    ['Version', String(job.version)],
    ['Submitted', s.submittedAt],
    ['Started', s.startedAt],
    ['Ended', s.endedAt],
    ['Message', s.message],
    ['Progress', counters(s.progress)],
    ['Metrics', counters(s.metrics)],
    [
      'Sources',
      s.sources?.map((source) => `${source.name ?? source.location ?? '?'}: ${source.rawStatus}`).join('\n'),
    ],
    ['Input', s.inputLocation],
    ['Output', s.outputLocation],
    ['Observed', `${s.observedAt} (${s.detail})`],
  ];
  for (const [name, value] of rows) {
    if (value !== undefined && value !== '') table.push({ [name]: value });
  }
  return table.toString();
}

export function jobsTable(jobs: CurrentJob[]): string {
  const table = newTable(['Job', 'Status', 'Raw status', 'Since', 'Last change', 'Progress']);
  for (const job of jobs) {
    table.push([
      formatJobKey(job.snapshot.key),
      job.stalledSince ? `${job.snapshot.status} (stalled)` : job.snapshot.status,
      job.snapshot.rawStatus,
      job.statusSince,
      job.lastChangeAt,
      counters(job.snapshot.progress) ?? '',
    ]);
  }
  return table.toString();
}

export function historyTable(records: HistoryRecord[]): string {
  const table = newTable(['Version', 'Recorded at', 'Kind', 'Change', 'Message']);
  for (const record of records) {
    table.push([
      String(record.version),
      record.recordedAt,
      record.kind,
      change(record),
      short(record.snapshot.message),
    ]);
  }
  return table.toString();
}

export function changesTable(records: HistoryRecord[]): string {
  const table = newTable(['Recorded at', 'Job', 'Kind', 'Change', 'Message']);
  for (const record of records) {
    table.push([
      record.recordedAt,
      formatJobKey(record.key),
      record.kind,
      change(record),
      short(record.snapshot.message),
    ]);
  }
  return table.toString();
}

function change(record: HistoryRecord): string {
  switch (record.kind) {
    case 'transition':
      return `${record.from ? `${record.from.rawStatus} → ` : 'new: '}${record.to.rawStatus} (${record.to.status})`;
    case 'stall':
      return `no change for ${record.stalledForSeconds} s (${record.snapshot.rawStatus})`;
    case 'progress':
      return counters(record.snapshot.progress) ?? record.snapshot.rawStatus;
  }
}

function counters(value: Counters | undefined): string | undefined {
  if (!value) return undefined;
  return Object.entries(value)
    .map(([name, count]) => `${name}=${count}`)
    .join(', ');
}

function short(value: string | undefined, max = 80): string {
  if (!value) return '';
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** A table of whatever `--query` selected: rows of a list, or the fields of an object. */
export function queryResultTable(value: unknown): string {
  if (!Array.isArray(value)) {
    if (isRecord(value)) {
      const table = newTable();
      for (const [name, field] of Object.entries(value)) table.push({ [name]: cell(field) });
      return table.toString();
    }
    const table = newTable();
    table.push([cell(value)]);
    return table.toString();
  }
  const records = value.filter(isRecord);
  if (records.length === value.length && records.length > 0) {
    const head = [...new Set(records.flatMap((record) => Object.keys(record)))];
    const table = newTable(head);
    for (const record of records) table.push(head.map((name) => cell(record[name])));
    return table.toString();
  }
  const table = newTable();
  for (const row of value) table.push(Array.isArray(row) ? row.map(cell) : [cell(row)]);
  return table.toString();
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
