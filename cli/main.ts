import {
  type CommandLine,
  checkOptions,
  outputFormat,
  parseCommandLine,
  queryExpression,
  type Values,
} from './args.js';
import { type AwsFlags, connect, dynamoConfig, resolveTableName } from './aws-config.js';
import type { CommandContext, TableOverrides } from './commands/command.js';
import { commandNamed } from './commands/index.js';
import { ExitCode, errorMessage, exitCodeOf, ParameterError } from './errors.js';
import { printResult } from './output.js';
import { JobQueries } from './queries.js';
import { commandUsage, usage } from './usage.js';
import { versionLine } from './version.js';

/** Where the command writes and what it reads from its environment; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  /** The clock for relative times (`--since 7d`). */
  now?(): Date;
}

/** Runs one `job-status` command line and returns its exit code (the AWS CLI's, see errors.ts). */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const line = parseCommandLine(argv);
    if (line.values.version) {
      io.stdout(`${versionLine()}\n`);
      return ExitCode.OK;
    }
    const command = line.command === undefined ? undefined : commandNamed(line.command);
    if (line.help) {
      io.stdout(`${command ? commandUsage(command) : usage()}\n`);
      return ExitCode.OK;
    }
    if (line.command === undefined) {
      io.stderr(`${usage()}\n\njob-status: error: a command is required\n`);
      return ExitCode.BAD_PARAMETER;
    }
    if (!command) throw new ParameterError(`Unknown command "${line.command}"`);
    checkOptions(command.name, line.values, command.options);
    const format = outputFormat(line.values, io.env);
    const query = queryExpression(line.values);
    const result = await command.run(context(command.name, line, io));
    printResult(result, { format, ...(query !== undefined && { query }) }, io);
    return result.exitCode ?? ExitCode.OK;
  } catch (error) {
    const code = exitCodeOf(error);
    io.stderr(`${failureText(error, code)}\n`);
    return code;
  }
}

function context(name: string, line: CommandLine, io: CliIo): CommandContext {
  return {
    name,
    args: line.args,
    values: line.values,
    env: io.env,
    now: io.now?.() ?? new Date(),
    withQueries: (use, where = {}) => withTable(awsFlags(line.values, where), io.env, use),
  };
}

/** The table options, with what a command brings of its own (the report's DynamoDB Local). */
function awsFlags(values: Values, where: TableOverrides): AwsFlags {
  const endpointUrl = where.endpointUrl ?? values['endpoint-url'];
  const table = values.table ?? where.defaultTable;
  return {
    ...(values.region !== undefined && { region: values.region }),
    ...(values.profile !== undefined && { profile: values.profile }),
    ...(endpointUrl !== undefined && { endpointUrl }),
    ...(table !== undefined && { table }),
    ...(values.stack !== undefined && { stack: values.stack }),
  };
}

/** Runs `use` on the table, with a client closed after, and says where the table is (for the report). */
async function withTable<T>(
  flags: AwsFlags,
  env: NodeJS.ProcessEnv,
  use: (queries: JobQueries, source: string) => Promise<T>,
): Promise<T> {
  const config = dynamoConfig(flags, env);
  const tableName = await resolveTableName(flags, env, config);
  const client = await connect(config);
  try {
    const where = flags.endpointUrl ? `at ${flags.endpointUrl}` : `in ${await client.config.region()}`;
    return await use(new JobQueries({ client, tableName }), `table ${tableName} ${where}`);
  } finally {
    client.destroy();
  }
}

function failureText(error: unknown, code: ExitCode): string {
  switch (code) {
    case ExitCode.BAD_PARAMETER:
      return `job-status: error: ${errorMessage(error)}\n\nRun job-status --help for usage.`;
    case ExitCode.SERVICE:
      return error instanceof Error && error.name !== 'JobNotFoundError'
        ? `An error occurred (${error.name}): ${error.message}`
        : errorMessage(error);
    default:
      return `job-status: ${errorMessage(error)}`;
  }
}

function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  };
}
