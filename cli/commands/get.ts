import { JobNotFoundError } from '../errors.js';
import { jobTable } from '../tables.js';
import type { Command } from './command.js';
import { jobKeyArg, withJobKey } from './shared.js';

export const getCommand: Command = {
  name: 'get',
  synopsis: 'get <jobKey>',
  summary: 'the current state of one job',
  options: [],
  run: (context) =>
    context.withQueries(async (queries) => {
      const key = jobKeyArg(context.name, context.args);
      const job = await queries.job(key);
      if (!job) throw new JobNotFoundError(key, queries.tableName);
      return { data: withJobKey(job), table: () => jobTable(job) };
    }),
};
