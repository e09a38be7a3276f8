import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { JobQueries } from '../../cli/queries.js';
import type { HistoryRecord, TransitionRecord } from '../../lambdas/core/history.js';
import { formatJobKey } from '../../lambdas/core/job-key.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { PollResult } from '../../lambdas/handlers/poll-handler.js';
import { localClientConfig } from '../../lambdas/store/document-client.js';
import { CHAOS_CREDENTIALS } from '../../local/chaos/harness.js';
import { loadPoller, type PollHandler } from '../../local/chaos/pollers.js';
import { TcpProxy } from '../../local/chaos/tcp-proxy.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { EventBridgeStandIn } from '../../local/eventbridge-standin/standin.js';
import { createJobsTable } from '../../local/jobs-table.js';
import { lambdaContext } from '../../local/runner/lambda-context.js';
import { type StreamHandler, StreamRelay } from '../../local/runner/stream-relay.js';
import { FakeEntityResolution } from '../../local/services/entityresolution/fake.js';
import { HealthImagingFake } from '../../local/services/healthimaging/fake.js';
import { HealthLakeFake } from '../../local/services/healthlake/fake.js';
import { S3StandIn } from '../../local/simulator/s3-standin.js';

/**
 * The world of the focused reliability tests: the deployed poller and publisher handlers, configured only
 * through their environment, on DynamoDB Local behind a proxy that can take it away, three service fakes
 * (HealthLake: full lists and native events; Entity Resolution: summary lists, 25-item pages; HealthImaging:
 * manifests in S3), the EventBridge stand-in with its dead-letter queue, and the runner's stream relay.
 */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const SERVICES = ['healthlake', 'entityresolution', 'healthimaging'] as const;
export type WorldService = (typeof SERVICES)[number];
/** The bucket the HealthImaging poller may read manifests from. */
export const MANIFEST_BUCKET = 'reliability-imaging-output';

export interface World {
  readonly ddb: DynamoDbLocal;
  readonly proxy: TcpProxy;
  readonly queries: JobQueries;
  readonly healthlake: HealthLakeFake;
  readonly entityResolution: FakeEntityResolution;
  readonly imaging: HealthImagingFake;
  readonly s3: S3StandIn;
  readonly bus: EventBridgeStandIn;
  readonly relay: StreamRelay;
  readonly tableName: string;
  /** One scheduled run of a service's deployed poller; `timeoutMs` is what the run has left. */
  poll(service: WorldService, options?: { timeoutMs?: number; handler?: PollHandler }): Promise<PollResult>;
  /** A native AWS event for the deployed poller. */
  deliver(service: WorldService, event: unknown): Promise<PollResult>;
  /** Runs the publisher on everything new in the stream. */
  drain(): Promise<void>;
  /** The transition records of one job, by version. */
  transitions(key: string): Promise<TransitionRecord[]>;
  history(key: string): Promise<HistoryRecord[]>;
  /** Every event detail the bus accepted, parsed, in order. */
  details(): Record<string, unknown>[];
  stop(): Promise<void>;
}

export function jobKey(service: ServiceId, scope: string | undefined, jobId: string): string {
  return formatJobKey({
    service,
    region: REGION,
    accountId: ACCOUNT,
    ...(scope !== undefined && { scope }),
    jobId,
  });
}

/**
 * Starts the world. The handlers read their settings when first loaded, so `env` (merged over the
 * defaults here) is fixed for the file: one world per test file.
 */
export async function startWorld(env: Record<string, string> = {}): Promise<World> {
  const ddb = await startDynamoDbLocal();
  const proxy = new TcpProxy({ host: '127.0.0.1', port: ddb.port });
  await proxy.start();
  const healthlake = new HealthLakeFake({ accountId: ACCOUNT, region: REGION });
  const entityResolution = new FakeEntityResolution({ accountId: ACCOUNT, region: REGION });
  const imaging = new HealthImagingFake({ accountId: ACCOUNT, region: REGION });
  const s3 = new S3StandIn();
  const bus = new EventBridgeStandIn({ accountId: ACCOUNT, region: REGION });
  await Promise.all([healthlake.start(), entityResolution.start(), imaging.start(), s3.start(), bus.start()]);
  const tableName = `reliability-${process.pid}`;

  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CHAOS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CHAOS_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: CHAOS_CREDENTIALS.sessionToken,
    CHAOS_ACCOUNT_ID: ACCOUNT,
    JOBS_TABLE_NAME: tableName,
    AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    AWS_ENDPOINT_URL_HEALTHLAKE: healthlake.endpoint,
    AWS_ENDPOINT_URL_ENTITYRESOLUTION: entityResolution.endpoint,
    AWS_ENDPOINT_URL_MEDICAL_IMAGING: imaging.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    JOBS_IMAGING_MANIFEST_LOCATIONS: `s3://${MANIFEST_BUCKET}`,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
    AWS_ENDPOINT_URL_SQS: bus.deadLetterEndpoint,
    JOBS_EVENT_BUS_NAME: 'reliability-bus',
    JOBS_DLQ_URL: bus.deadLetterQueueUrl,
    JOBS_SDK_MAX_ATTEMPTS: '3',
    // Long enough that a busy DynamoDB Local never times out (its calls share the SDK settings).
    JOBS_SDK_REQUEST_TIMEOUT_MS: '1000',
    JOBS_SAFETY_MARGIN_MS: '1000',
    JOBS_QUOTA_MULTIPLIER: '50',
    JOBS_PROGRESS_INTERVAL_SECONDS: '0',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...env,
  });
  const client = new DynamoDBClient(localClientConfig(ddb.endpoint, REGION));
  const streams = new DynamoDBStreamsClient(localClientConfig(ddb.endpoint, REGION));
  await createJobsTable(client, tableName);
  const queries = new JobQueries({ client, tableName, consistentRead: true });

  const pollers = new Map<WorldService, PollHandler>();
  for (const service of SERVICES) pollers.set(service, await loadPoller(service));
  const publisher = (await import('../../lambdas/handlers/publisher.js')) as { handler: StreamHandler };
  const relay = new StreamRelay({
    streams,
    dynamodb: client,
    tableName,
    region: REGION,
    handler: publisher.handler,
    context: () => context('job-status-publisher'),
    pollMs: 50,
  });
  await relay.start();

  /** The job's records once the publisher has stored what the stream holds so far (history comes from it). */
  async function history(key: string): Promise<HistoryRecord[]> {
    await relay.drain();
    const records: HistoryRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await queries.history(key, { ...(cursor !== undefined && { cursor }) });
      records.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return records;
  }
  function context(functionName: string, timeoutMs = 300_000) {
    return lambdaContext({ functionName, region: REGION, accountId: ACCOUNT, timeoutMs });
  }
  function poller(service: WorldService): PollHandler {
    const handler = pollers.get(service);
    if (!handler) throw new Error(`no poller for ${service}`);
    return handler;
  }

  return {
    ddb,
    proxy,
    queries,
    healthlake,
    entityResolution,
    imaging,
    s3,
    bus,
    relay,
    tableName,
    poll: (service, options = {}) =>
      (options.handler ?? poller(service))(
        { kind: 'poll' },
        context(`job-poller-${service}`, options.timeoutMs),
      ),
    deliver: (service, event) => poller(service)(event, context(`job-poller-${service}`)),
    drain: () => relay.drain(),
    history,
    async transitions(key) {
      return (await history(key)).filter(
        (record): record is TransitionRecord => record.kind === 'transition',
      );
    },
    details: () => bus.received.map((received) => ({ ...received.event.detail })),
    async stop() {
      await relay.stop();
      client.destroy();
      streams.destroy();
      await proxy.stop();
      await Promise.all([healthlake.stop(), entityResolution.stop(), imaging.stop(), s3.stop(), bus.stop()]);
      await ddb.stop();
    },
  };
}

/** The cycle report of a poll result, or an error when it was not a cycle. */
export function cycle(result: PollResult) {
  if (result.mode !== 'cycle') throw new Error(`expected a cycle, got ${result.mode}`);
  return result;
}

/** Statuses of a job's transition records, in order. */
export function statuses(records: readonly TransitionRecord[]): string[] {
  return records.map((record) => record.to.rawStatus);
}
