import { type JSONValue, search } from '@jmespath-community/jmespath';
import type { OutputFormat } from './args.js';
import type { ExitCode } from './errors.js';
import { queryResultTable } from './tables.js';
import { formatText } from './text-format.js';

/** What a command answered: its data (what json, text and --query see) and the table people read. */
export interface CommandResult {
  readonly data: unknown;
  table(): string;
  /** For `--output table`: where the rest starts, printed on stderr (json and text carry it in the data). */
  readonly nextToken?: string;
  /** Exit with this code after printing (a replay or redrive that could not send everything). */
  readonly exitCode?: ExitCode;
}

export interface OutputOptions {
  readonly format: OutputFormat;
  readonly query?: string;
}

export interface OutputStreams {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Prints a result as the AWS CLI would: `--query` first, then the format. */
export function printResult(result: CommandResult, options: OutputOptions, io: OutputStreams): void {
  const data = options.query === undefined ? result.data : search(plainJson(result.data), options.query);
  switch (options.format) {
    case 'json':
      io.stdout(`${JSON.stringify(data ?? null, null, 2)}\n`);
      return;
    case 'text':
      io.stdout(formatText(data));
      return;
    case 'table':
      io.stdout(`${options.query === undefined ? result.table() : queryResultTable(data)}\n`);
      if (options.query === undefined && result.nextToken) {
        io.stderr(`More: add --starting-token ${result.nextToken}\n`);
      }
  }
}

function plainJson(data: unknown): JSONValue {
  return data === undefined ? null : (JSON.parse(JSON.stringify(data)) as JSONValue);
}
