import { LIST_OPTIONS } from '../args.js';
import { collect } from '../paging.js';
import { historyTable } from '../tables.js';
import type { Command } from './command.js';
import { jobKeyArg, listResult, order, pagingFlags } from './shared.js';

export const historyCommand: Command = {
  name: 'history',
  synopsis: 'history <jobKey> [--newest-first]',
  summary: 'its history, oldest first unless --newest-first',
  options: LIST_OPTIONS,
  run: (context) => {
    const key = jobKeyArg(context.name, context.args);
    const paging = pagingFlags(context.values);
    return context.withQueries(async (queries) => {
      const page = await collect(context.name, paging, (options) =>
        queries.history(key, { ...order(context.values), ...options }),
      );
      return listResult(page, historyTable, `No history for ${key}`);
    });
  },
};
