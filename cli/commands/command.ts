import type { OptionName, Values } from '../args.js';
import type { CommandResult } from '../output.js';
import type { JobQueries } from '../queries.js';

/** What a subcommand gets: its words and options, and the table to read. */
export interface CommandContext {
  readonly name: string;
  readonly args: readonly string[];
  readonly values: Values;
  readonly env: NodeJS.ProcessEnv;
  readonly now: Date;
  /** Runs `use` against the table the options name, and closes the client after. */
  withQueries<T>(
    use: (queries: JobQueries, source: string) => Promise<T>,
    where?: TableOverrides,
  ): Promise<T>;
}

/** For a command that brings its own table (the report's `--data-dir`). */
export interface TableOverrides {
  readonly endpointUrl?: string;
  readonly defaultTable?: string;
}

export interface Command {
  readonly name: string;
  /** Its arguments and own options, for the help text. */
  readonly synopsis: string;
  readonly summary: string;
  /** The options it takes besides the global ones. */
  readonly options: readonly OptionName[];
  run(context: CommandContext): Promise<CommandResult>;
}
