import { LIST_OPTIONS, TARGET_OPTIONS } from '../args.js';
import { collect } from '../paging.js';
import { jobsTable } from '../tables.js';
import type { Command } from './command.js';
import { listResult, noExtraArgs, order, pagingFlags, serviceFlag, targetFlags } from './shared.js';

export const runningCommand: Command = {
  name: 'running',
  synopsis: 'running [--service S] [--account ID] [--job-region R]',
  summary: 'jobs not in a final state',
  options: [...LIST_OPTIONS, 'service', ...TARGET_OPTIONS],
  run: (context) => {
    noExtraArgs(context.name, context.args);
    const service = serviceFlag(context.values);
    const targets = targetFlags(context.values);
    const paging = pagingFlags(context.values);
    return context.withQueries(async (queries) => {
      const page = await collect(context.name, paging, (options) =>
        queries.running({ ...(service && { service }), ...targets, ...order(context.values), ...options }),
      );
      return listResult(page, jobsTable, 'No running jobs');
    });
  },
};
