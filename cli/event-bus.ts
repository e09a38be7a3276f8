import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { variableOf } from '../lambdas/contract/settings.js';
import { entrySize, MAX_ENTRIES_PER_CALL, MAX_REQUEST_BYTES } from '../lambdas/events/size.js';
import type { Values } from './args.js';
import { type AwsFlags, dynamoConfig } from './aws-config.js';
import { ConfigurationError } from './errors.js';

/**
 * What replay and redrive share: the bus (and the dead-letter queue) they work with, found the way the
 * table is (a flag, else the stack's output, else the functions' own variable), and clients for services
 * other than the table's.
 */

/** The publisher's own variables: the defaults for `--bus` and `--queue-url`. */
export const BUS_VARIABLE = variableOf('eventBusName');
export const QUEUE_VARIABLE = variableOf('deadLetterQueueUrl');

/** The stack outputs (lib/job-status-aggregator-stack.ts) that name them. */
const BUS_OUTPUT = 'EventBusArn';
const QUEUE_OUTPUT = 'DeadLetterQueueUrl';

/** A client's region, profile, endpoint and (for a local endpoint) throwaway credentials. */
export interface ClientConfig {
  readonly region?: string;
  readonly profile?: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The region and profile flags, with the endpoint of the service the client is for. */
export function clientConfig(values: Values, env: NodeJS.ProcessEnv, endpointUrl?: string): ClientConfig {
  const flags: AwsFlags = {
    ...(values.region !== undefined && { region: values.region }),
    ...(values.profile !== undefined && { profile: values.profile }),
    ...(endpointUrl !== undefined && { endpointUrl }),
  };
  const { region, profile, endpoint, credentials } = dynamoConfig(flags, env);
  return {
    ...(typeof region === 'string' && { region }),
    ...(typeof profile === 'string' && { profile }),
    ...(typeof endpoint === 'string' && { endpoint }),
    ...(credentials && typeof credentials === 'object' && { credentials }),
  } as ClientConfig;
}

/**
 * EventBridge's endpoint: `--events-endpoint-url`, else the SDK's own `AWS_ENDPOINT_URL_EVENTBRIDGE` (so
 * `--endpoint-url` keeps meaning the table's, or the queue's, as for every other command).
 */
export function eventsClientConfig(values: Values, env: NodeJS.ProcessEnv): ClientConfig {
  return clientConfig(values, env, values['events-endpoint-url'] ?? env.AWS_ENDPOINT_URL_EVENTBRIDGE);
}

/** A client whose region and credentials resolve, or a configuration error that says which client. */
export async function connected<T extends ConfigurableClient>(client: T, what: string): Promise<T> {
  try {
    await client.config.region();
    await client.config.credentials();
  } catch (error) {
    client.destroy();
    throw new ConfigurationError(
      `Cannot configure the ${what} client: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return client;
}

interface ConfigurableClient {
  readonly config: { region(): Promise<string>; credentials(): Promise<unknown> };
  destroy(): void;
}

/** `--bus NAME|ARN`, else the stack's `EventBusArn` output, else the publisher's variable. */
export async function resolveBus(values: Values, env: NodeJS.ProcessEnv): Promise<string> {
  return resolveNamed(values, env, { flag: 'bus', output: BUS_OUTPUT, variable: BUS_VARIABLE, what: 'bus' });
}

/** `--queue-url URL`, else the stack's `DeadLetterQueueUrl` output, else the publisher's variable. */
export async function resolveQueueUrl(values: Values, env: NodeJS.ProcessEnv): Promise<string> {
  return resolveNamed(values, env, {
    flag: 'queue-url',
    output: QUEUE_OUTPUT,
    variable: QUEUE_VARIABLE,
    what: 'dead-letter queue',
  });
}

async function resolveNamed(
  values: Values,
  env: NodeJS.ProcessEnv,
  where: { flag: 'bus' | 'queue-url'; output: string; variable: string; what: string },
): Promise<string> {
  const flagged = values[where.flag];
  if (flagged) return flagged;
  if (values.stack) return stackOutput(values.stack, where.output, clientConfig(values, env));
  const fromEnv = env[where.variable];
  if (fromEnv) return fromEnv;
  throw new ConfigurationError(
    `Which ${where.what}? Pass --${where.flag} or --stack NAME, or set ${where.variable}`,
  );
}

/** One output of a stack (CloudFormation's endpoint is the SDK's usual one: `AWS_ENDPOINT_URL_CLOUDFORMATION`). */
async function stackOutput(stackName: string, outputKey: string, config: ClientConfig): Promise<string> {
  const { endpoint: _table, ...rest } = config;
  const client = new CloudFormationClient(rest);
  try {
    const response = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const output = response.Stacks?.[0]?.Outputs?.find((entry) => entry.OutputKey === outputKey);
    if (!output?.OutputValue) throw new ConfigurationError(`Stack ${stackName} has no output ${outputKey}`);
    return output.OutputValue;
  } finally {
    client.destroy();
  }
}

/** What PutEvents said about one entry. */
export type PutOutcome =
  | { readonly kind: 'delivered'; readonly eventId: string }
  | { readonly kind: 'failed'; readonly errorCode: string; readonly errorMessage?: string };

/**
 * Sends entries as they are, in calls of at most 10 entries and 256 KB, and says what happened to each (in
 * order). A call that fails as a whole (after the SDK's retries) fails its entries; the others still go.
 */
export async function putEntries(
  client: Pick<EventBridgeClient, 'send'>,
  entries: readonly PutEventsRequestEntry[],
): Promise<PutOutcome[]> {
  const outcomes: PutOutcome[] = [];
  for (const batch of batches(entries)) {
    try {
      const response = await client.send(new PutEventsCommand({ Entries: [...batch] }));
      batch.forEach((_entry, index) => {
        const result = response.Entries?.[index];
        outcomes.push(
          result?.EventId && !result.ErrorCode
            ? { kind: 'delivered', eventId: result.EventId }
            : {
                kind: 'failed',
                errorCode: result?.ErrorCode ?? 'MissingResultEntry',
                ...(result?.ErrorMessage && { errorMessage: result.ErrorMessage }),
              },
        );
      });
    } catch (error) {
      const errorCode = error instanceof Error ? error.name : 'UnknownError';
      const errorMessage = error instanceof Error ? error.message : String(error);
      for (const _entry of batch) outcomes.push({ kind: 'failed', errorCode, errorMessage });
    }
  }
  return outcomes;
}

function batches(entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const result: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (current.length === MAX_ENTRIES_PER_CALL || (current.length > 0 && bytes + size > MAX_REQUEST_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

export function eventsClient(values: Values, env: NodeJS.ProcessEnv): Promise<EventBridgeClient> {
  return connected(new EventBridgeClient(eventsClientConfig(values, env)), 'EventBridge');
}
