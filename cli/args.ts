import { parseArgs } from 'node:util';
import { compile } from '@jmespath-community/jmespath';
import { ParameterError } from './errors.js';

/** Every option any command takes; each command lists which of them it accepts. */
export const OPTIONS = {
  // Where to read, as the AWS CLI names it.
  region: { type: 'string' },
  profile: { type: 'string' },
  'endpoint-url': { type: 'string' },
  table: { type: 'string' },
  stack: { type: 'string' },
  // What to print.
  output: { type: 'string' },
  query: { type: 'string' },
  'max-items': { type: 'string' },
  'starting-token': { type: 'string' },
  'newest-first': { type: 'boolean' },
  // Filters.
  service: { type: 'string' },
  status: { type: 'string' },
  kind: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  // The jobs' own account and region (`--region` is where the table is, as in the AWS CLI).
  account: { type: 'string', multiple: true },
  'job-region': { type: 'string' },
  // The report.
  title: { type: 'string' },
  'max-lanes': { type: 'string' },
  out: { type: 'string' },
  'data-dir': { type: 'string' },
  // Replay and redrive: which records or letters, where to send them, and whether to send at all.
  job: { type: 'string' },
  bus: { type: 'string' },
  'queue-url': { type: 'string' },
  'events-endpoint-url': { type: 'string' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export type OptionName = keyof typeof OPTIONS;
export type Values = ReturnType<typeof parse>['values'];

/** The options every command takes. */
export const GLOBAL_OPTIONS: readonly OptionName[] = [
  'region',
  'profile',
  'endpoint-url',
  'table',
  'stack',
  'output',
  'query',
  'help',
  'version',
];
/** The list commands' options: paging and order. */
export const LIST_OPTIONS: readonly OptionName[] = ['max-items', 'starting-token', 'newest-first'];
/** The target filters: which accounts and regions the jobs are in. */
export const TARGET_OPTIONS: readonly OptionName[] = ['account', 'job-region'];

export const OUTPUT_FORMATS = ['json', 'table', 'text'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface CommandLine {
  /** The subcommand; `help` as a word counts as `--help`, as in `aws help`. */
  readonly command?: string;
  readonly args: readonly string[];
  readonly values: Values;
  readonly help: boolean;
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const { values, positionals } = parse(argv);
  const words = positionals.filter((word) => word !== 'help');
  const [command, ...args] = words;
  return {
    ...(command !== undefined && { command }),
    args,
    values,
    help: values.help === true || words.length < positionals.length,
  };
}

/** Refuses options the command does not take (the AWS CLI's "Unknown options"). */
export function checkOptions(command: string, values: Values, accepted: readonly OptionName[]): void {
  const allowed = new Set([...GLOBAL_OPTIONS, ...accepted]);
  const unknown = Object.keys(values).filter((name) => !allowed.has(name as OptionName));
  if (unknown.length > 0) {
    throw new ParameterError(
      `Unknown options for ${command}: ${unknown.map((name) => `--${name}`).join(', ')}`,
    );
  }
}

/** `--output`: the flag, else $AWS_DEFAULT_OUTPUT as the AWS CLI reads it, else tables for people. */
export function outputFormat(values: Values, env: NodeJS.ProcessEnv): OutputFormat {
  const format = values.output ?? env.AWS_DEFAULT_OUTPUT ?? 'table';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new ParameterError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}, not "${format}"`);
  }
  return format as OutputFormat;
}

/** `--query`, checked before any request is made. */
export function queryExpression(values: Values): string | undefined {
  if (values.query === undefined) return undefined;
  try {
    compile(values.query);
  } catch (error) {
    throw new ParameterError(
      `--query is not a JMESPath expression: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return values.query;
}

/** A whole number ≥ 1 from a flag, or undefined when the flag is absent. */
export function positiveInteger(values: Values, name: 'max-items' | 'max-lanes'): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isInteger(value) && value > 0)) {
    throw new ParameterError(`--${name} must be a whole number ≥ 1, not "${text}"`);
  }
  return value;
}
