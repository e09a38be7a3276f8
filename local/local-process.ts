import { type ChildProcess, spawn } from 'node:child_process';
import { waitUntil } from './free-port.js';

/** A stand-in server running as a child process (DynamoDB Local, moto). */
export interface LocalProcess {
  stop(): Promise<void>;
}

/** What to run: a command line, or a launcher that spawns the process itself (a package's own). */
export type LocalProcessLaunch =
  | { readonly command: string; readonly args: readonly string[] }
  | { readonly spawn: () => ChildProcess };

export type LocalProcessOptions = LocalProcessLaunch & LocalProcessWatch;

interface LocalProcessWatch {
  /** How errors and the readiness wait name it: `DynamoDB Local`. */
  readonly name: string;
  /** The start error's text, before the process's stderr: `Could not start moto (pip install …)`. */
  readonly startError: string;
  /** True once the server answers. */
  readonly ready: () => Promise<boolean>;
  /** Keep only this many trailing characters of stderr (a chatty server); default: all of it. */
  readonly stderrTail?: number;
}

/** Starts the process and waits until it answers; a process that fails to start is killed. */
export async function startLocalProcess(options: LocalProcessOptions): Promise<LocalProcess> {
  const child: ChildProcess =
    'spawn' in options
      ? options.spawn()
      : spawn(options.command, [...options.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (options.stderrTail !== undefined) stderr = stderr.slice(-options.stderrTail);
  });
  child.stdout?.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`${options.name} exited: ${stderr}`);
        return options.ready();
      },
      30_000,
      options.name,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${options.startError}: ${stderr}`, { cause: error });
  }
  return {
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
