import { LIST_OPTIONS, TARGET_OPTIONS } from '../args.js';
import { ParameterError } from '../errors.js';
import { collect } from '../paging.js';
import { jobsTable } from '../tables.js';
import type { Command } from './command.js';
import { listResult, order, pagingFlags, serviceFlag, statusArg, targetFlags } from './shared.js';

export const statusCommand: Command = {
  name: 'status',
  synopsis: 'status <STATUS> [--service S] [--account ID] [--job-region R]',
  summary: 'jobs currently in one normalized status',
  options: [...LIST_OPTIONS, 'service', ...TARGET_OPTIONS],
  run: (context) => {
    const [word, ...rest] = context.args;
    if (word === undefined || rest.length > 0) throw new ParameterError('status needs one STATUS argument');
    const status = statusArg(word);
    const service = serviceFlag(context.values);
    const targets = targetFlags(context.values);
    const paging = pagingFlags(context.values);
    return context.withQueries(async (queries) => {
      const page = await collect(context.name, paging, (options) =>
        queries.byStatus(status, {
          ...(service && { service }),
          ...targets,
          ...order(context.values),
          ...options,
        }),
      );
      return listResult(page, jobsTable, `No jobs are ${status}`);
    });
  },
};
