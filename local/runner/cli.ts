import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startDynamoDbLocal } from '../dynamodb-local.js';
import { paint, type Style } from './format.js';
import { parseRunnerArgs, type RunnerOptions, USAGE, UsageError } from './options.js';
import { LocalRunner, type RunOutcome, type Verification } from './runner.js';
import { summaryText } from './summary.js';
import { attachLineOutput, LiveView } from './view.js';

/** The terminal side of local mode: flags, the live view or line output, Ctrl-C, the summary. */

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly isTTY: boolean;
  readonly columns?: number;
  readonly rows?: number;
  readonly env: NodeJS.ProcessEnv;
  /** Registers a Ctrl-C (and SIGTERM) handler; returns what removes it. */
  onInterrupt(handler: () => void): () => void;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY),
    get columns() {
      return process.stdout.columns;
    },
    get rows() {
      return process.stdout.rows;
    },
    env: process.env,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      // In a terminal, Ctrl-C signals the whole process group, DynamoDB Local's JVM included, which would
      // die before the last events are relayed. Raw input turns Ctrl-C into a key only this process reads.
      const stdin = process.stdin;
      const raw = stdin.isTTY && typeof stdin.setRawMode === 'function';
      const onKey = (key: Buffer) => {
        const text = key.toString('utf8');
        if (text === '\u0003' || text === 'q') handler();
      };
      if (raw) {
        stdin.setRawMode(true);
        stdin.on('data', onKey);
        stdin.resume();
      }
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
        if (raw) {
          stdin.off('data', onKey);
          stdin.setRawMode(false);
          stdin.pause();
        }
      };
    },
  };
}

/** Runs local mode; resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let options: RunnerOptions;
  try {
    const parsed = parseRunnerArgs(argv);
    if (parsed.help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    options = parsed.options;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${error.message}\nSee: npm start -- --help\n`);
    return 2;
  }
  if (options.serve) return serve(options, io);

  const style: Style = { color: io.isTTY && !io.env.NO_COLOR };
  const live = io.isTTY && !options.plain && !options.once;
  const runner = new LocalRunner(options, io.env);
  const controller = new AbortController();
  let view: LiveView | undefined;
  let interrupts = 0;
  const removeInterrupt = io.onInterrupt(() => {
    interrupts += 1;
    if (interrupts === 1) {
      controller.abort();
      if (view) view.say('stopping: relaying the last events, then the summary…');
      else
        io.stderr('\nstopping: relaying the last events, then the summary (Ctrl-C again to quit at once)\n');
      return;
    }
    view?.stop();
    io.stderr('\nquitting without a summary\n');
    runner.kill();
    process.exit(130);
  });

  let code = 0;
  try {
    io.stdout(
      paint(
        style,
        'dim',
        options.mode === 'simulator'
          ? `starting DynamoDB Local, the service simulator (seed ${options.seed}) and the EventBridge stand-in…\n`
          : `starting ${options.table ? '' : 'DynamoDB Local and '}the EventBridge stand-in for your account…\n`,
      ),
    );
    if (!live) attachLineOutput(runner, (line) => io.stdout(`${line}\n`), style);
    await runner.start();
    if (live) {
      view = new LiveView(
        runner,
        {
          write: (text) => io.stdout(text),
          ...(io.columns !== undefined && { columns: io.columns }),
          ...(io.rows !== undefined && { rows: io.rows }),
        },
        style,
      );
      view.start();
    }
    const outcome: RunOutcome = await runner.run(controller.signal);
    view?.stop();
    view = undefined;
    let verification: Verification | undefined;
    if (runner.simulator) {
      verification = await runner.verify().catch((error: unknown) => {
        io.stderr(
          `could not compare the history with the simulator: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        return undefined;
      });
    }
    io.stdout(`\n${summaryText(runner, outcome, verification, style)}\n`);
    const crashed = [...runner.services.values()].some((stats) => stats.crashes > 0);
    if (outcome === 'timeout' || (verification && verification.problems.length > 0)) code = 1;
    if (options.once && crashed) code = 1;
  } catch (error) {
    view?.stop();
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    code = error instanceof UsageError ? 2 : 1;
  } finally {
    removeInterrupt();
    await runner.stop();
  }
  return code;
}

/** `--serve`: DynamoDB Local on a kept data directory, until Ctrl-C, for the query CLI and the report. */
async function serve(options: RunnerOptions, io: CliIo): Promise<number> {
  const dbPath = resolve(options.dataDir ?? '.local/ddb');
  mkdirSync(dbPath, { recursive: true });
  const ddb = await startDynamoDbLocal({
    dbPath,
    ...(options.dynamoPort !== undefined && { port: options.dynamoPort }),
  });
  io.stdout(
    [
      `DynamoDB Local serves ${dbPath} at ${ddb.endpoint} (table ${options.localTableName}). In another terminal:`,
      `  npx job-status changes --since 1d --table ${options.localTableName} --endpoint-url ${ddb.endpoint}`,
      `  npm run report -- --table ${options.localTableName} --endpoint-url ${ddb.endpoint} --out reports/local.html`,
      'Ctrl-C (or q) to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((done) => {
    const remove = io.onInterrupt(() => {
      remove();
      done();
    });
  });
  await ddb.stop();
  return 0;
}
