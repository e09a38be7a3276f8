import { migrateActiveItems } from '../../lambdas/store/layout-migration.js';
import type { CommandResult } from '../output.js';
import type { Command } from './command.js';
import { noExtraArgs } from './shared.js';

/**
 * `job-status migrate`: the table of an earlier release moved to this layout, after the deploy that
 * created the new index (docs/table-design.md, "Deploying this layout over the earlier one"). Safe to rerun;
 * `--dry-run` only counts.
 */
export const migrateCommand: Command = {
  name: 'migrate',
  synopsis: 'migrate [--dry-run]',
  summary: "move an earlier release's active jobs into this release's index (one Scan)",
  options: ['dry-run'],
  run: (context) => {
    noExtraArgs(context.name, context.args);
    const dryRun = context.values['dry-run'] === true;
    return context.withQueries(async (queries, source) => {
      const { doc, tableName } = queries.table;
      const result = await migrateActiveItems(doc, tableName, { dryRun });
      const summary = dryRun
        ? `Dry run: ${result.found} active jobs of the earlier layout in ${source} would be moved`
        : `Moved ${result.migrated} of ${result.found} active jobs of the earlier layout in ${source}` +
          (result.changedMeanwhile > 0
            ? ` (${result.changedMeanwhile} were written meanwhile, in this layout)`
            : '');
      const data = {
        DryRun: dryRun,
        Found: result.found,
        Migrated: result.migrated,
        ChangedMeanwhile: result.changedMeanwhile,
        JobKeys: result.jobKeys,
      };
      return { data, table: () => summary } satisfies CommandResult;
    });
  },
};
