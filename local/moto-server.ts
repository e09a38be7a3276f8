import { freePort } from './free-port.js';
import { startLocalProcess } from './local-process.js';

/** A running moto server: EventBridge (rules with content filtering), SQS, S3 and more on one port. */
export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts `python3 -m moto.server` on a free loopback port. Needs `pip install 'moto[server]'`. */
export async function startMotoServer(options: { port?: number } = {}): Promise<MotoServer> {
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const server = await startLocalProcess({
    command: 'python3',
    args: ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
    name: 'moto',
    startError: "Could not start moto (pip install 'moto[server]')",
    ready: async () => (await fetch(`${endpoint}/moto-api/`)).ok,
    // moto logs every request.
    stderrTail: 4000,
  });
  return { endpoint, stop: () => server.stop() };
}
