import type { ServiceId } from '../lambdas/core/service-id.js';
import type { BenchOptions } from './options.js';
import { dec, int, table } from './report.js';
import { callsOf, type PollerFigures, type ScenarioResult } from './results.js';

/**
 * us-east-1 list prices (on-demand, no free tier), as published when this was written; BENCHMARKS.md
 * repeats them with their sources. Services' own list and describe calls cost nothing.
 */
export const PRICES = {
  /** Lambda, arm64 (the stack's architecture), per GB-second. */
  lambdaGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** DynamoDB on-demand, per million write / read request units. */
  dynamoPerMillionWrites: 0.625,
  dynamoPerMillionReads: 0.125,
  dynamoGbMonth: 0.25,
  /** EventBridge custom events (PutEvents), per million 64 KB chunks. */
  eventBridgePerMillion: 1.0,
  /** Step Functions standard workflows, per 1,000 state transitions. */
  stepFunctionsPerThousandTransitions: 0.025,
  cloudWatchLogsPerGb: 0.5,
  /** CloudWatch: a custom metric (the pollers' embedded metric format), an alarm, a dashboard, per month. */
  customMetricMonth: 0.3,
  alarmMonth: 0.1,
  dashboardMonth: 3.0,
} as const;

const MONTH_SECONDS = 30 * 86_400;
const POLLER_GB = 0.5;
const PUBLISHER_GB = 0.25;
/** History records are kept 90 days (the default). */
const HISTORY_MONTHS_KEPT = 3;
/** DynamoDB bills 100 bytes of overhead per item, in the table and in each index copy. */
const ITEM_OVERHEAD_BYTES = 100;
/** Where no history item was measured: about what one is (BENCHMARKS.md, bytes per item). */
const FALLBACK_HISTORY_BYTES = 700;

/**
 * Stored bytes per record, from the measured history items: the item and its copy in the feed index
 * (ChangesByTime projects ALL), each with DynamoDB's per-item overhead.
 */
function bytesPerRecord(points: readonly Point[]): number {
  const items = points.reduce((sum, point) => sum + point.ours.historyItems, 0);
  const bytes = points.reduce((sum, point) => sum + point.ours.historyBytes, 0);
  const perItem = items > 0 ? bytes / items : FALLBACK_HISTORY_BYTES;
  return 2 * (perItem + ITEM_OVERHEAD_BYTES);
}
/** Log bytes per cycle (summary line and metrics) and per transition (one line): estimates. */
const LOG_BYTES_PER_RUN = 2048;
const LOG_BYTES_PER_TRANSITION = 400;

function scheduleSeconds(service: ServiceId): number {
  return service === 'entityresolution' ? 120 : 300;
}

/** Per-cycle quantities of one service, as measured at each size. */
interface Point {
  readonly size: number;
  readonly transitions: number;
  readonly ours: PollerFigures;
  readonly naive: PollerFigures | undefined;
}

/** Linear between measured sizes; beyond them, the slope of the nearest two. */
function interpolate(points: readonly Point[], size: number, pick: (point: Point) => number): number {
  const sorted = [...points].sort((a, b) => a.size - b.size);
  if (sorted.length === 0) return Number.NaN;
  if (sorted.length === 1) return (pick(sorted[0] as Point) * size) / (sorted[0] as Point).size;
  let lower = sorted[0] as Point;
  let upper = sorted[1] as Point;
  for (let i = 1; i < sorted.length; i += 1) {
    lower = sorted[i - 1] as Point;
    upper = sorted[i] as Point;
    if (size <= upper.size) break;
  }
  const slope = (pick(upper) - pick(lower)) / (upper.size - lower.size);
  return Math.max(0, pick(lower) + slope * (size - lower.size));
}

/** `monitoring`: the stack's fixed monitoring cost a month, from bench/monitoring-cost.ts. */
export function printCosts(
  results: readonly ScenarioResult[],
  options: BenchOptions,
  monitoring: number,
): void {
  const baselines = results.filter((result) => result.finishedRatio === 0);
  if (baselines.length === 0) return;
  const services = options.services;
  const pointsOf = (service: ServiceId): Point[] =>
    baselines.flatMap((scenario) => {
      const found = scenario.services.find((entry) => entry.service === service);
      if (!found) return [];
      const per = (figures: PollerFigures | undefined): PollerFigures | undefined => {
        if (!figures) return undefined;
        const out = { ...figures };
        for (const key of Object.keys(out) as (keyof PollerFigures)[])
          out[key] = figures[key] / scenario.cycles;
        return out;
      };
      return [
        {
          size: scenario.size,
          transitions: found.transitions / scenario.cycles,
          ours: per(found.ours) as PollerFigures,
          naive: per(found.naive),
        },
      ];
    });

  console.log('\n## Monthly cost estimate\n');
  console.log(
    `Tracked jobs are active jobs at any moment, spread evenly over ${services.length} service(s), ` +
      `${options.changeRate * 100} % of them changing status per cycle (as measured), polled every 5 minutes ` +
      '(Entity Resolution every 2). Per-cycle figures are interpolated from the measured sizes (linear; beyond ' +
      'the largest size, extrapolated from the last two). USD per 30-day month, us-east-1 list prices.\n',
  );
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const tracked of [1000, 100_000]) {
    const perService = tracked / services.length;
    const ours = { lambda: 0, publisher: 0, writes: 0, reads: 0, storage: 0, events: 0, logs: 0 };
    const naive = { lambda: 0, writes: 0, events: 0 };
    let stepTransitions = 0;
    let stepDescribesPerSecond = 0;
    const naiveBehind: string[] = [];
    const oursLong: string[] = [];
    const overQuota: string[] = [];
    for (const service of services) {
      const points = pointsOf(service);
      const cycles = MONTH_SECONDS / scheduleSeconds(service);
      const at = (pick: (point: Point) => number) => interpolate(points, perService, pick) * cycles;
      const transitions = at((p) => p.transitions);
      const runs = at((p) => p.ours.runs);
      const ourSeconds = at((p) => p.ours.realMs / 1000);
      ours.lambda +=
        runs * (PRICES.lambdaPerMillionRequests / 1e6) + ourSeconds * POLLER_GB * PRICES.lambdaGbSecond;
      const events = at((p) => p.ours.events);
      // The stream invokes the publisher with batches of up to 100 records: about 0.1 s plus 20 ms per PutEvents.
      const publisherRuns = Math.max(cycles, events / 100);
      ours.publisher +=
        publisherRuns * (PRICES.lambdaPerMillionRequests / 1e6) +
        (publisherRuns * 0.1 + (events / 10) * 0.02) * PUBLISHER_GB * PRICES.lambdaGbSecond;
      ours.writes += (at((p) => p.ours.writeUnits) / 1e6) * PRICES.dynamoPerMillionWrites;
      ours.reads += (at((p) => p.ours.readUnits) / 1e6) * PRICES.dynamoPerMillionReads;
      ours.storage +=
        ((transitions * HISTORY_MONTHS_KEPT * bytesPerRecord(points)) / 1024 ** 3) * PRICES.dynamoGbMonth;
      ours.events += (events / 1e6) * PRICES.eventBridgePerMillion;
      ours.logs +=
        ((runs * LOG_BYTES_PER_RUN + transitions * LOG_BYTES_PER_TRANSITION) / 1024 ** 3) *
        PRICES.cloudWatchLogsPerGb;
      const perCycleReal = interpolate(points, perService, (p) => p.ours.realMs / 1000);
      if (perCycleReal > 240) oursLong.push(`${service} ${dec(perCycleReal, 0)} s`);
      // No poller keeps up when the calls a cycle needs take longer than the schedule at the quota.
      const bound = interpolate(points, perService, (p) => p.ours.boundMs / 1000);
      if (bound > scheduleSeconds(service)) overQuota.push(`${service} ${dec(bound, 0)} s`);

      if (points.every((p) => p.naive)) {
        const naiveSeconds = at((p) => (p.naive?.realMs ?? 0) / 1000);
        naive.lambda +=
          cycles * (PRICES.lambdaPerMillionRequests / 1e6) + naiveSeconds * POLLER_GB * PRICES.lambdaGbSecond;
        naive.writes += (at((p) => p.naive?.writeUnits ?? 0) / 1e6) * PRICES.dynamoPerMillionWrites;
        naive.events += (at((p) => p.naive?.events ?? 0) / 1e6) * PRICES.eventBridgePerMillion;
        const naiveCycle = interpolate(points, perService, (p) => (p.naive?.realMs ?? 0) / 1000);
        if (naiveCycle > scheduleSeconds(service)) naiveBehind.push(`${service} ${dec(naiveCycle, 0)} s`);
      }
      // One standard workflow per job: Wait, describe Task, Choice per poll; one more state per change.
      stepTransitions += perService * cycles * 3 + transitions;
      stepDescribesPerSecond += perService / scheduleSeconds(service);
    }
    const oursTotal = Object.values(ours).reduce((a, b) => a + b, 0);
    const naiveTotal = Object.values(naive).reduce((a, b) => a + b, 0);
    const stepCost = (stepTransitions / 1000) * PRICES.stepFunctionsPerThousandTransitions + ours.events;
    rows.push([
      int(tracked),
      `**${dec(oursTotal, 2)}** (+ ${dec(monitoring, 2)} monitoring)`,
      naive.lambda > 0 ? `**${dec(naiveTotal, 2)}**${naiveBehind.length ? ' (cannot keep up)' : ''}` : '–',
      `**${dec(stepCost, 2)}**${stepDescribesPerSecond > 5 * services.length ? ' (above the quotas)' : ''}`,
    ]);
    notes.push(
      `- ${int(tracked)} tracked jobs, ours: Lambda pollers ${dec(ours.lambda, 2)}, publisher ${dec(ours.publisher, 2)}, ` +
        `DynamoDB writes ${dec(ours.writes, 2)}, reads ${dec(ours.reads, 2)}, storage ${dec(ours.storage, 2)}, ` +
        `EventBridge ${dec(ours.events, 2)}, logs ${dec(ours.logs, 2)}; the stack's alarms and metrics (Monitoring cost, below) ` +
        `${dec(monitoring, 2)} whatever the number of jobs.` +
        (oursLong.length ? ` Cycles longer than one run (240 s): ${oursLong.join(', ')}.` : '') +
        (overQuota.length
          ? ` More calls than the quota allows in one schedule interval: ${overQuota.join(', ')}.`
          : ''),
      `- ${int(tracked)} tracked jobs, naive: Lambda ${dec(naive.lambda, 2)}, DynamoDB writes ${dec(naive.writes, 2)}, ` +
        `EventBridge ${dec(naive.events, 2)}.` +
        (naiveBehind.length ? ` A cycle outlasts the schedule: ${naiveBehind.join(', ')}.` : ''),
      `- ${int(tracked)} tracked jobs, Step Functions: ${int(stepTransitions)} state transitions, EventBridge ` +
        `${dec(ours.events, 2)}; ${dec(stepDescribesPerSecond, 1)} describe calls per second in all.`,
    );
  }
  console.log(
    table(['tracked jobs', 'ours $/month', 'naive $/month', 'Step Functions loop per job $/month'], rows),
  );
  console.log(`\n${notes.join('\n')}`);
  const totals = baselines.map((scenario) => {
    const calls = scenario.services.reduce((sum, entry) => sum + callsOf(entry.ours), 0) / scenario.cycles;
    return `${int(scenario.size)}/service: ${int(calls)} calls per cycle`;
  });
  console.log(`\nMeasured inputs (our poller, all services): ${totals.join('; ')}.`);
}
