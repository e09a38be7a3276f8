import Table from 'cli-table3';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { formatJobKey } from '../../lambdas/core/job-key.js';
import {
  DetailType,
  isPublishable,
  type PublishableRecord,
  partitionOfArn,
} from '../../lambdas/events/contract.js';
import {
  type DeadLetterSink,
  EventBridgePublisher,
  type RecordOutcome,
} from '../../lambdas/events/publisher.js';
import { TARGET_OPTIONS } from '../args.js';
import { ExitCode, ParameterError } from '../errors.js';
import { eventsClient, resolveBus } from '../event-bus.js';
import type { CommandResult } from '../output.js';
import { allPages, type JobQueries, type Page, type PageOptions } from '../queries.js';
import { parseSince, parseUntil } from '../times.js';
import type { Command, CommandContext } from './command.js';
import { jobKeyArg, kindFlag, noExtraArgs, serviceFlag, targetFlags } from './shared.js';

/**
 * `job-status replay`: history records sent to the bus again as the publisher sent them (the same
 * detail, so the same `transitionId` or `stallId`: consumers that de-duplicate see each event once). For a
 * consumer that lost its copy, or a publisher outage longer than the stream's 24 hours.
 */
export const replayCommand: Command = {
  name: 'replay',
  synopsis:
    'replay --since <ISO|7d|...> [--until <ISO|...>] [--service S] [--job <jobKey>] [--kind K] [--bus NAME|ARN] [--dry-run]',
  summary: 'publish history records as events again, under their original ids',
  options: [
    'since',
    'until',
    'service',
    'job',
    'kind',
    ...TARGET_OPTIONS,
    'bus',
    'events-endpoint-url',
    'dry-run',
  ],
  run: async (context) => {
    const filter = replayFilter(context);
    const dryRun = context.values['dry-run'] === true;
    const bus = await resolveBus(context.values, context.env);
    return context.withQueries(async (queries) => {
      const items: ReplayItem[] = [];
      const send = dryRun ? undefined : await sender(context, bus);
      try {
        for await (const page of recordPages(queries, filter)) {
          const outcomes = send ? await send.publish(page) : undefined;
          for (const record of page) items.push(replayItem(record, outcomes?.get(record.recordId)));
        }
      } finally {
        send?.close();
      }
      return replayResult(bus, dryRun, items);
    });
  },
};

/** Which records: a window (`--since` is required without `--job`), a service, one job, a kind. */
export interface ReplayFilter {
  readonly since?: Date;
  readonly until?: Date;
  readonly service?: PublishableRecord['key']['service'];
  readonly jobKey?: string;
  readonly kinds: readonly PublishableRecord['kind'][];
  readonly targets: ReturnType<typeof targetFlags>;
}

function replayFilter(context: CommandContext): ReplayFilter {
  const { values, now } = context;
  noExtraArgs(context.name, context.args);
  if (values.since === undefined && values.job === undefined) {
    throw new ParameterError('replay needs --since (an ISO time, or 7d, 24h, 30m) or --job <jobKey>');
  }
  const kind = kindFlag(values.kind);
  if (kind === 'progress') throw new ParameterError('replay sends events: --kind transition or stall');
  const jobKey = values.job === undefined ? undefined : jobKeyArg('replay --job', [values.job]);
  const service = serviceFlag(values);
  if (jobKey && service && !jobKey.startsWith(`${service}/`)) {
    throw new ParameterError(`--job ${jobKey} is not a ${service} job`);
  }
  const since = values.since === undefined ? undefined : parseSince(values.since, now);
  const until = values.until === undefined ? undefined : parseUntil(values.until, now);
  return {
    ...(since && { since }),
    ...(until && { until }),
    ...(service && { service }),
    ...(jobKey && { jobKey }),
    kinds: kind ? [kind] : ['transition', 'stall'],
    targets: targetFlags(values),
  };
}

/** The matching records, a page at a time, oldest first (one job's by version). */
export async function* recordPages(
  queries: JobQueries,
  filter: ReplayFilter,
): AsyncIterable<PublishableRecord[]> {
  const { jobKey } = filter;
  const sources: ((options: PageOptions) => Promise<Page<HistoryRecord>>)[] = jobKey
    ? [(options) => queries.history(jobKey, options)]
    : filter.kinds.map(
        (kind) => (options: PageOptions) =>
          queries.changes({
            since: filter.since ?? new Date(0),
            ...(filter.until && { until: filter.until }),
            ...(filter.service && { service: filter.service }),
            kind,
            ...filter.targets,
            ...options,
          }),
      );
  for (const fetchPage of sources) {
    let page: PublishableRecord[] = [];
    for await (const record of allPages(fetchPage)) {
      if (!matches(record, filter)) continue;
      page.push(record);
      if (page.length === PAGE_SIZE) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }
}

/** Records per publish: ten PutEvents calls at most. */
const PAGE_SIZE = 100;

/** The checks the queries leave to the caller: a job's history holds every kind, at every time. */
function matches(record: HistoryRecord, filter: ReplayFilter): record is PublishableRecord {
  if (!isPublishable(record) || !filter.kinds.includes(record.kind)) return false;
  const at = Date.parse(record.recordedAt);
  if (filter.since && at < filter.since.getTime()) return false;
  if (filter.until && at > filter.until.getTime()) return false;
  return true;
}

interface Sender {
  publish(records: readonly PublishableRecord[]): Promise<ReadonlyMap<string, RecordOutcome>>;
  close(): void;
}

/**
 * The stack's own publisher, so every entry is built and retried exactly as the first time. It has no
 * dead-letter queue here: what cannot be delivered is reported as failed, and a second run sends it again.
 */
async function sender(context: CommandContext, bus: string): Promise<Sender> {
  const client = await eventsClient(context.values, context.env);
  const reportOnly: DeadLetterSink = { send: async (letters) => ({ failed: letters }) };
  const publisher = new EventBridgePublisher({
    client,
    busName: bus,
    partition: partitionOfArn(bus),
    deadLetters: reportOnly,
  });
  return {
    publish: async (records) => (await publisher.publish(records)).outcomes,
    close: () => client.destroy(),
  };
}

/** One replayed record, as the output lists it. */
export interface ReplayItem {
  readonly recordId: string;
  readonly jobKey: string;
  readonly detailType: DetailType;
  readonly status: string;
  readonly recordedAt: string;
  /** `would-send` with --dry-run. */
  readonly outcome: 'delivered' | 'failed' | 'would-send';
  readonly eventId?: string;
  readonly errorCode?: string;
}

function replayItem(record: PublishableRecord, outcome: RecordOutcome | undefined): ReplayItem {
  const base = {
    recordId: record.recordId,
    jobKey: formatJobKey(record.key),
    detailType: record.kind === 'transition' ? DetailType.STATUS_CHANGED : DetailType.STALLED,
    status: record.snapshot.status,
    recordedAt: record.recordedAt,
  };
  if (outcome === undefined) return { ...base, outcome: 'would-send' };
  if (outcome.kind === 'delivered') return { ...base, outcome: 'delivered', eventId: outcome.eventId };
  const errorCode = 'errorCode' in outcome ? outcome.errorCode : 'NotSent';
  return { ...base, outcome: 'failed', errorCode };
}

function replayResult(bus: string, dryRun: boolean, items: readonly ReplayItem[]): CommandResult {
  const count = (outcome: ReplayItem['outcome']) => items.filter((item) => item.outcome === outcome).length;
  const failed = count('failed');
  const summary = dryRun
    ? `Dry run: ${items.length} events would be sent to ${bus}`
    : `Replayed ${items.length} events to ${bus}: ${count('delivered')} delivered, ${failed} failed`;
  return {
    data: {
      DryRun: dryRun,
      EventBus: bus,
      Matched: items.length,
      Delivered: count('delivered'),
      Failed: failed,
      Items: items,
    },
    table: () => (items.length === 0 ? 'No history records match' : `${summary}\n${itemsTable(items)}`),
    // Anything not delivered: the exit code says so, and running the same command again sends it.
    ...(failed > 0 && { exitCode: ExitCode.SERVICE }),
  };
}

function itemsTable(items: readonly ReplayItem[]): string {
  const table = new Table({
    head: ['Job', 'Event', 'Status', 'Recorded', 'Outcome'],
    style: { head: [], border: [] },
    wordWrap: true,
  });
  for (const item of items) {
    const outcome = item.errorCode ? `${item.outcome} (${item.errorCode})` : item.outcome;
    table.push([item.jobKey, item.detailType, item.status, item.recordedAt, outcome]);
  }
  return table.toString();
}
