import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { TcpProxy } from './tcp-proxy.js';

const CHILD = fileURLToPath(new URL('./poll-child.ts', import.meta.url));

export interface KilledRun {
  /** True when the process was killed; false when it finished before the chosen write. */
  readonly killed: boolean;
  readonly exitCode: number | null;
  /** Everything it printed (its log lines), the result line excluded. */
  readonly lines: readonly string[];
  /** The result when it lived to the end. */
  readonly result?: unknown;
}

/**
 * One poll of `service` in a child process (the deployed entry, configured from this process's
 * environment), killed with SIGKILL the moment DynamoDB has committed its `afterWrites`-th PutItem (a job's
 * current item, which carries the record the stream publisher turns into history and an event): the
 * write is durable, and the run never reads the acknowledgement, logs it, or does anything after it. The
 * proxy must be the DynamoDB endpoint the child uses, and nothing else may write through it meanwhile.
 */
export async function killedPoll(
  service: ServiceId,
  proxy: TcpProxy,
  afterWrites: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<KilledRun> {
  let writes = 0;
  let child: ChildProcess | undefined;
  let killed = false;
  proxy.onResponse((operation) => {
    if (operation.operation !== 'PutItem' || killed) return 'forward';
    writes += 1;
    if (writes < afterWrites) return 'forward';
    killed = true;
    child?.kill('SIGKILL');
    return 'hold';
  });
  try {
    child = spawn(process.execPath, ['--import', 'tsx', CHILD, service], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let partial = '';
    const collect = (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line !== ''));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const running = child;
    const exitCode = await new Promise<number | null>((resolve) => running.once('exit', resolve));
    if (partial !== '') lines.push(partial);
    const resultLine = lines.find((line) => line.startsWith('CHAOS-RESULT '));
    return {
      killed,
      exitCode,
      lines: lines.filter((line) => !line.startsWith('CHAOS-RESULT ')),
      ...(resultLine && { result: JSON.parse(resultLine.slice('CHAOS-RESULT '.length)) as unknown }),
    };
  } finally {
    proxy.onResponse(undefined);
  }
}
