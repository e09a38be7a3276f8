import { LIST_OPTIONS, TARGET_OPTIONS } from '../args.js';
import { ParameterError } from '../errors.js';
import { collect } from '../paging.js';
import type { ChangesOptions } from '../queries.js';
import { changesTable } from '../tables.js';
import { parseSince, parseUntil } from '../times.js';
import type { Command, CommandContext } from './command.js';
import {
  kindFlag,
  listResult,
  noExtraArgs,
  order,
  pagingFlags,
  serviceFlag,
  statusArg,
  targetFlags,
} from './shared.js';

export const changesCommand: Command = {
  name: 'changes',
  synopsis:
    'changes --since <ISO|7d|24h|30m> [--until <ISO|...>] [--service S] [--status S] [--kind K] [--account ID] [--job-region R]',
  summary: 'status changes in a time window (kind: transition, stall, progress)',
  options: [...LIST_OPTIONS, 'since', 'until', 'service', 'status', 'kind', ...TARGET_OPTIONS],
  run: (context) => {
    const window = changesWindow(context);
    const paging = pagingFlags(context.values);
    return context.withQueries(async (queries) => {
      const page = await collect(context.name, paging, (options) =>
        queries.changes({ ...window, ...order(context.values), ...options }),
      );
      return listResult(page, changesTable, 'No changes in that window');
    });
  },
};

function changesWindow(context: CommandContext): ChangesOptions {
  noExtraArgs(context.name, context.args);
  const { values, now } = context;
  if (values.since === undefined) {
    throw new ParameterError('changes needs --since (an ISO time, or 7d, 24h, 30m)');
  }
  const until = values.until === undefined ? undefined : parseUntil(values.until, now);
  const service = serviceFlag(values);
  const status = values.status === undefined ? undefined : statusArg(values.status);
  const kind = kindFlag(values.kind);
  return {
    since: parseSince(values.since, now),
    ...(until && { until }),
    ...(service && { service }),
    ...(status && { status }),
    ...(kind && { kind }),
    ...targetFlags(values),
  };
}
