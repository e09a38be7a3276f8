import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, waitUntil } from './free-port.js';

/** A running moto server: EventBridge (rules with content filtering), SQS, S3 and more on one port. */
export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts `python3 -m moto.server` on a free loopback port. Needs `pip install 'moto[server]'`. */
export async function startMotoServer(options: { port?: number } = {}): Promise<MotoServer> {
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.stdout?.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`moto exited: ${stderr}`);
        return (await fetch(`${endpoint}/moto-api/`)).ok;
      },
      30_000,
      'moto server',
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`Could not start moto (pip install 'moto[server]'): ${stderr}`, { cause: error });
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
