import { SERVICE_FACTS } from '../../lambdas/contract/services.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import { JOB_STATUSES, type JobStatus } from '../../lambdas/core/status.js';
import { buildReportModel, type Lane, type ReportInput, type ReportModel, targetLabel } from './model.js';

/**
 * The job status report as one self-contained HTML page: inline CSS and SVG, no script, no external asset
 * (a Content-Security-Policy says so to the browser). Every string from the data is escaped.
 */
export function renderReport(input: ReportInput): string {
  return renderModel(buildReportModel(input));
}

export const STATUS_COLORS: Readonly<Record<JobStatus, string>> = {
  QUEUED: '#9aa5b1',
  RUNNING: '#2b7de9',
  SUCCEEDED: '#2e9e5b',
  SUCCEEDED_WITH_ERRORS: '#e0a100',
  FAILED: '#d64545',
  CANCELLING: '#b58ad6',
  CANCELLED: '#7d4e9c',
  UNKNOWN: '#5f6b7a',
};

const STATUS_LABELS: Readonly<Record<JobStatus, string>> = {
  QUEUED: 'Queued',
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  SUCCEEDED_WITH_ERRORS: 'Partial success',
  FAILED: 'Failed',
  CANCELLING: 'Cancelling',
  CANCELLED: 'Cancelled',
  UNKNOWN: 'Unknown',
};

/** Display names, from the service registry. */
const SERVICE_NAMES = Object.fromEntries(
  SERVICE_FACTS.map((facts) => [facts.id, facts.displayName]),
) as Readonly<Record<ServiceId, string>>;

/** Escapes text for HTML and SVG content and for attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export function renderModel(model: ReportModel): string {
  const e = escapeHtml;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${e(model.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${e(model.title)}</h1>
<p class="meta">${e(`${count(model.jobCount, 'job')} · ${count(model.transitionCount, 'status change')} · ${count(model.stallCount, 'stall')}`)}<br>
${e(`From ${time(model.start)} to ${time(model.end)} · source: ${model.source}`)}</p>
</header>
${countsSection(model)}
${timelineSection(model)}
${slowestSection(model)}
${failedSection(model)}
<footer>Generated ${e(time(model.generatedAt))} by job-status report from the aggregator's history. Statuses are the aggregator's normalized ones; hover a bar for the raw status AWS reported.</footer>
</body>
</html>
`;
}

function countsSection(model: ReportModel): string {
  const e = escapeHtml;
  const cards = [...model.totals]
    .map(
      ([status, count]) =>
        `<div class="card" data-status="${e(status)}" data-count="${count}"><span class="swatch" style="background:${STATUS_COLORS[status]}"></span><span class="count">${count}</span><span class="label">${e(STATUS_LABELS[status])}</span></div>`,
    )
    .join('\n');
  const statuses = JOB_STATUSES.filter((status) => model.totals.has(status));
  const rows = [...model.byService]
    .map(([service, row]) => {
      const cells = statuses
        .map((status) => {
          const n = row.get(status) ?? 0;
          return `<td class="num${n === 0 ? ' zero' : ''}" data-status="${e(status)}">${n}</td>`;
        })
        .join('');
      const total = [...row.values()].reduce((sum, n) => sum + n, 0);
      return `<tr data-service="${e(service)}"><th scope="row">${e(SERVICE_NAMES[service])}</th>${cells}<td class="num total">${total}</td></tr>`;
    })
    .join('\n');
  return `<section id="counts">
<h2>Jobs by status</h2>
<div class="cards">
${cards || '<p class="empty">No jobs in this window.</p>'}
</div>
${
  rows
    ? `<table class="by-service"><thead><tr><th scope="col">Service</th>${statuses
        .map((status) => `<th scope="col" class="num">${e(STATUS_LABELS[status])}</th>`)
        .join('')}<th scope="col" class="num">All</th></tr></thead><tbody>
${rows}
</tbody></table>`
    : ''
}
</section>`;
}

const WIDTH = 1200;
const PLOT_X = 300;
const PLOT_W = WIDTH - PLOT_X - 24;
const AXIS_H = 30;
const GROUP_H = 28;
const LANE_H = 18;
const BAR_H = 12;

function timelineSection(model: ReportModel): string {
  const e = escapeHtml;
  const span = Math.max(1, model.end - model.start);
  const x = (t: number) =>
    PLOT_X + ((Math.min(model.end, Math.max(model.start, t)) - model.start) / span) * PLOT_W;
  const parts: string[] = [];
  let y = AXIS_H;
  for (const group of model.groups) {
    parts.push(
      `<g class="group" data-service="${e(group.service)}"><text class="group-title" x="8" y="${y + 19}">${e(`${SERVICE_NAMES[group.service]} (${group.lanes.length})`)}</text><line class="group-rule" x1="8" x2="${WIDTH - 8}" y1="${y + GROUP_H - 2}" y2="${y + GROUP_H - 2}"/></g>`,
    );
    y += GROUP_H;
    for (const lane of group.lanes) {
      parts.push(laneSvg(lane, y, x, model.targetCount > 1));
      y += LANE_H;
    }
    y += 6;
  }
  const height = y + 8;
  const ticks = axisTicks(model.start, model.end)
    .map((tick) => {
      const tx = x(tick.at);
      return `<line class="grid" x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${AXIS_H - 6}" y2="${height - 4}"/><text class="tick" x="${tx.toFixed(1)}" y="${AXIS_H - 10}">${e(tick.label)}</text>`;
    })
    .join('');
  const legend = JOB_STATUSES.filter((status) => status !== 'UNKNOWN' || model.totals.has('UNKNOWN'))
    .map(
      (status) =>
        `<span class="legend-item"><span class="swatch" style="background:${STATUS_COLORS[status]}"></span>${e(STATUS_LABELS[status])}</span>`,
    )
    .join('');
  const hidden =
    model.hiddenLanes > 0
      ? `<p class="note">${model.hiddenLanes} more jobs are counted above but not drawn; narrow the window with --since.</p>`
      : '';
  const body =
    model.groups.length === 0
      ? '<p class="empty">Nothing happened in this window.</p>'
      : `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="Timeline of every job, one lane per job">
<rect class="plot" x="${PLOT_X}" y="${AXIS_H - 6}" width="${PLOT_W}" height="${height - AXIS_H + 2}"/>
${ticks}
${parts.join('\n')}
</svg>`;
  return `<section id="timeline">
<h2>Timeline</h2>
<p class="legend">${legend}<span class="legend-item"><span class="stall-key">▲</span>Stall reported</span><span class="legend-item"><span class="end-key">●</span>Ended</span></p>
<div class="scroll">${body}</div>
${hidden}
</section>`;
}

/** Characters of a lane's label that fit left of the plot. */
const LABEL_CHARS = 38;

function laneSvg(lane: Lane, y: number, x: (t: number) => number, showTarget: boolean): string {
  const e = escapeHtml;
  const name = lane.jobName ?? lane.jobId;
  const target = showTarget ? targetLabel(lane) : undefined;
  const room = target === undefined ? LABEL_CHARS : LABEL_CHARS - target.length - 1;
  const label = name.length > room ? `${name.slice(0, room - 1)}…` : name;
  const targetText = target === undefined ? '' : ` <tspan class="lane-target">${e(target)}</tspan>`;
  const top = y + (LANE_H - BAR_H) / 2;
  const bars = lane.segments
    .map((segment) => {
      const x1 = x(segment.from);
      const width = Math.max(2, x(segment.to) - x1);
      const tip = `${name}: ${segment.rawStatus} (${segment.status}) from ${time(segment.from)}${segment.to > segment.from ? ` to ${time(segment.to)}` : ''}`;
      return `<rect class="segment" data-status="${e(segment.status)}" x="${x1.toFixed(1)}" y="${top}" width="${width.toFixed(1)}" height="${BAR_H}" rx="2" fill="${STATUS_COLORS[segment.status]}" stroke="#fff" stroke-width="1"><title>${e(tip)}</title></rect>`;
    })
    .join('');
  const last = lane.segments.at(-1);
  const end =
    lane.terminal && last
      ? `<circle class="end" cx="${x(last.from).toFixed(1)}" cy="${y + LANE_H / 2}" r="4.5" fill="${STATUS_COLORS[lane.status]}"><title>${e(`${name} ended ${lane.rawStatus} at ${time(last.from)}`)}</title></circle>`
      : '';
  const stalls = lane.stalls
    .map((at) => {
      const sx = x(at);
      return `<path class="stall" d="M${(sx - 5).toFixed(1)} ${top + BAR_H + 1} L${sx.toFixed(1)} ${top - 3} L${(sx + 5).toFixed(1)} ${top + BAR_H + 1} Z"><title>${e(`${name}: stall reported at ${time(at)}`)}</title></path>`;
    })
    .join('');
  return `<g class="lane" data-job-key="${e(lane.jobKey)}" data-service="${e(lane.service)}" data-status="${e(lane.status)}"><title>${e(lane.jobKey)}</title><text class="lane-label" x="20" y="${y + 13}">${e(label)}${targetText}</text>${bars}${end}${stalls}</g>`;
}

/** A table's job cell: its name, and its target when the report has more than one. */
function jobCell(lane: Lane, showTarget: boolean): string {
  const e = escapeHtml;
  const target = showTarget ? ` <span class="target">${e(targetLabel(lane))}</span>` : '';
  return `<td class="job" title="${e(lane.jobKey)}">${e(lane.jobName ?? lane.jobId)}${target}</td>`;
}

function slowestSection(model: ReportModel): string {
  const e = escapeHtml;
  const rows = model.slowest
    .map(
      (lane, index) =>
        `<tr data-job-key="${e(lane.jobKey)}"><td class="num">${index + 1}</td><td>${e(SERVICE_NAMES[lane.service])}</td>${jobCell(lane, model.targetCount > 1)}<td>${statusBadge(lane.status, lane.rawStatus)}</td><td>${e(lane.startedAt !== undefined ? time(lane.startedAt) : '—')}</td><td>${e(lane.terminal && lane.endedAt !== undefined ? time(lane.endedAt) : 'running')}</td><td class="num duration">${e(durationText(lane.durationMs))}${lane.terminal ? '' : ' <span class="so-far">so far</span>'}</td></tr>`,
    )
    .join('\n');
  return `<section id="slowest">
<h2>Slowest jobs</h2>
${
  rows
    ? `<table><thead><tr><th class="num">#</th><th>Service</th><th>Job</th><th>Status</th><th>Submitted or started</th><th>Ended</th><th class="num">Duration</th></tr></thead><tbody>
${rows}
</tbody></table>`
    : '<p class="empty">No jobs in this window.</p>'
}
</section>`;
}

function failedSection(model: ReportModel): string {
  const e = escapeHtml;
  const rows = model.failed
    .map(
      (lane) =>
        `<tr data-job-key="${e(lane.jobKey)}"><td>${e(SERVICE_NAMES[lane.service])}</td>${jobCell(lane, model.targetCount > 1)}<td><code>${e(lane.rawStatus)}</code></td><td>${e(lane.endedAt !== undefined ? time(lane.endedAt) : '—')}</td><td class="message">${e(lane.message ?? '')}</td></tr>`,
    )
    .join('\n');
  return `<section id="failed">
<h2>Failed jobs (${model.failed.length})</h2>
${
  rows
    ? `<table><thead><tr><th>Service</th><th>Job</th><th>Raw status</th><th>Ended</th><th>Message</th></tr></thead><tbody>
${rows}
</tbody></table>`
    : '<p class="empty">No failed jobs in this window.</p>'
}
</section>`;
}

function statusBadge(status: JobStatus, rawStatus: string): string {
  const e = escapeHtml;
  return `<span class="badge" style="background:${STATUS_COLORS[status]}" title="${e(rawStatus)}">${e(STATUS_LABELS[status])}</span>`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `2025-03-01 10:13:05 UTC` */
export function time(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `38 s`, `4 min 12 s`, `2 h 05 min`, `3 d 4 h`. */
export function durationText(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

const STEPS_S = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
];

/** About 6 to 10 round ticks across the window, labelled by the unit that matters at that scale. */
export function axisTicks(start: number, end: number): { at: number; label: string }[] {
  const span = Math.max(1, end - start);
  const step = (STEPS_S.find((candidate) => span / (candidate * 1000) <= 10) ?? 604800) * 1000;
  const ticks: { at: number; label: string }[] = [];
  for (let at = Math.ceil(start / step) * step; at <= end; at += step) {
    const iso = new Date(at).toISOString();
    const label =
      step < 60_000 ? iso.slice(11, 19) : step < 86_400_000 ? iso.slice(11, 16) : iso.slice(5, 10);
    ticks.push({ at, label });
  }
  return ticks;
}

const CSS = `
:root { color-scheme: light; --ink: #1f2933; --muted: #616e7c; --rule: #e4e7eb; --bg: #fff; --panel: #f7f9fb; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1260px; padding: 24px 28px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
.meta { color: var(--muted); margin: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 14px; }
.card { display: flex; align-items: center; gap: 8px; padding: 10px 14px; background: var(--panel); border: 1px solid var(--rule); border-radius: 8px; min-width: 130px; }
.card .count { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .label { color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; flex: none; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.zero { color: #c1c7cd; }
td.total { font-weight: 600; }
.by-service { width: auto; min-width: 60%; }
.job { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; word-break: break-all; }
.message { color: #8a1f1f; }
.badge { display: inline-block; color: #fff; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; }
.so-far { color: var(--muted); font-size: 12px; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; color: var(--muted); margin: 0 0 8px; }
.legend-item { display: inline-flex; align-items: center; gap: 5px; }
.stall-key { color: #e0a100; }
.end-key { color: var(--ink); }
.scroll { overflow-x: auto; border: 1px solid var(--rule); border-radius: 8px; background: var(--bg); }
svg.timeline { display: block; font: 12px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
svg .plot { fill: var(--panel); }
svg .grid { stroke: #d9dee3; stroke-width: 1; }
svg .tick { fill: var(--muted); text-anchor: middle; font-size: 11px; }
svg .group-title { font-weight: 600; font-size: 13px; fill: var(--ink); }
svg .group-rule { stroke: var(--rule); }
svg .lane-label { fill: var(--ink); font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 11.5px; }
svg .lane:hover .lane-label { font-weight: 700; }
svg .lane-target { fill: var(--muted); }
.job .target { color: var(--muted); white-space: nowrap; }
svg .end { stroke: #fff; stroke-width: 1.5; }
svg .stall { fill: #e0a100; stroke: #7a5800; stroke-width: 1; }
.empty, .note { color: var(--muted); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print { .scroll { overflow: visible; border: none; } }
`;
