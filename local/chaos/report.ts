import type { ChaosReport } from './harness.js';

/** What a run must show for the aggregator to pass; each failed rule is named. */
export function verdict(report: ChaosReport): string[] {
  const f = report.check.figures;
  const failures: string[] = [];
  if (f.lost > 0) failures.push(`lost ${f.lost} (must be 0)`);
  if (f.spurious > 0) failures.push(`spurious ${f.spurious} (must be 0)`);
  if (f.regressed > 0) failures.push(`terminal states regressed ${f.regressed} (must be 0)`);
  if (f.duplicatesWithOtherId > 0)
    failures.push(`duplicates under another id ${f.duplicatesWithOtherId} (must be 0)`);
  const oneJob = report.cycles.failedWholeBy['one-job faults'] ?? 0;
  if (oneJob > 0) failures.push(`cycles failed as a whole on one-job faults ${oneJob} (must be 0)`);
  if (report.publisher.givenUp > 0)
    failures.push(`stream records given up ${report.publisher.givenUp} (must be 0)`);
  if (report.logFindings.length > 0)
    failures.push(`log lines with secrets or job content ${report.logFindings.length}`);
  if (report.eventProblems.length > 0)
    failures.push(`event details off the contract ${report.eventProblems.length}`);
  return failures;
}

/** The figure table a run prints. */
export function formatReport(report: ChaosReport): string {
  const f = report.check.figures;
  const c = report.cycles;
  const rows: [string, string][] = [
    ['seed / services', `${report.seed} / ${report.services.join(',')}`],
    [
      'jobs (per service)',
      `${f.jobs} (${report.jobsPerService}), ${report.unfinishedJobs} unfinished at the end`,
    ],
    [
      'ticks / rounds / duration',
      `${report.ticks} / ${report.rounds} / ${(report.durationMs / 1000).toFixed(1)} s`,
    ],
    ['transitions true', String(f.trueTransitions)],
    ['  observable (held at a clean round)', `${f.observableTransitions} (coalesced ${f.coalesced})`],
    ['  recorded', String(f.recordedTransitions)],
    ['  emitted (bus or dead-letter queue)', `${f.emittedTransitions} (dead-lettered ${f.deadLettered})`],
    ['lost (must be 0)', `${f.lost} (of which recorded but not emitted: ${f.lostEvents})`],
    [
      'duplicate deliveries (same id)',
      `${f.duplicateDeliveries}; under another id: ${f.duplicatesWithOtherId} (must be 0)`,
    ],
    ['spurious (must be 0)', String(f.spurious)],
    ['terminal states regressed (must be 0)', String(f.regressed)],
    ['stalls recorded / emitted', `${f.stallsRecorded} / ${f.stallsEmitted}`],
    ['poll runs', `${c.total} (incomplete on time limit ${c.incomplete}, killed ${c.killed})`],
    ['poll run wall time', formatDurations(c.durationsMs)],
    [
      'cycles failed as a whole',
      `${c.failedWhole}${formatCounts(c.failedWholeBy, ' (', ')')}; on one-job faults: ${c.failedWholeBy['one-job faults'] ?? 0} (must be 0)`,
    ],
    ['per-job errors reported by cycles', formatCounts(c.jobErrors) || 'none'],
    ['native-event refreshes', `${c.refreshes} (failed for their job: ${c.refreshesFailed})`],
    [
      'publisher invocations',
      `${report.publisher.invocations} (failed ${report.publisher.failedInvocations}, of which timed out after their work ${report.publisher.discarded}; stream records given up ${report.publisher.givenUp})`,
    ],
    ['log lines scanned / findings', `${report.logLines} / ${report.logFindings.length}`],
    ['event details validated / off contract', `${report.eventsValidated} / ${report.eventProblems.length}`],
  ];
  const faultRows = Object.entries(report.faults)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]): [string, string] => [`  ${kind}`, String(count)]);
  const all: [string, string][] = [...rows, ['faults injected, by kind', ''], ...faultRows];
  const width = Math.max(...all.map(([label]) => label.length));
  const lines = all.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
  const failures = verdict(report);
  lines.push('', failures.length === 0 ? 'verdict: PASS' : `verdict: FAIL: ${failures.join('; ')}`);
  for (const problem of report.check.problems.slice(0, 20))
    lines.push(`  ${problem.kind} ${problem.jobKey}: ${problem.detail}`);
  for (const failure of report.cycles.failures.slice(0, 10)) lines.push(`  ${failure}`);
  for (const finding of report.logFindings.slice(0, 10))
    lines.push(`  log: ${finding.what}: ${finding.sample}`);
  for (const problem of report.eventProblems.slice(0, 10)) lines.push(`  event: ${problem}`);
  return lines.join('\n');
}

function formatDurations(durations: readonly number[]): string {
  if (durations.length === 0) return 'none';
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
  return `median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`;
}

function formatCounts(counts: Readonly<Record<string, number>>, before = '', after = ''): string {
  const entries = Object.entries(counts);
  if (entries.length === 0) return '';
  return `${before}${entries.map(([kind, count]) => `${kind} ${count}`).join(', ')}${after}`;
}
