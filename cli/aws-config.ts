import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { variableOf } from '../lambdas/contract/settings.js';
import { JOBS_TABLE_OUTPUT_NAME } from '../lambdas/contract/table-schema.js';
import { ConfigurationError } from './errors.js';

/** Where the command reads: the AWS CLI's `--region`, `--profile`, `--endpoint-url`, and the table. */
export interface AwsFlags {
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly table?: string;
  readonly stack?: string;
}

/** The functions' own table variable, the default for --table. */
export const TABLE_VARIABLE = variableOf('tableName');

/**
 * The DynamoDB client's settings. The region comes from `--region`, the environment or the profile; with
 * `--endpoint-url` and nothing else it is us-east-1. A local endpoint gets throwaway credentials unless
 * the shell names some (keys or a profile): DynamoDB Local accepts any.
 */
export function dynamoConfig(flags: AwsFlags, env: NodeJS.ProcessEnv): DynamoDBClientConfig {
  const profile = flags.profile ?? env.AWS_PROFILE;
  const region =
    flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (flags.endpointUrl ? 'us-east-1' : undefined);
  const local = flags.endpointUrl !== undefined && profile === undefined && !env.AWS_ACCESS_KEY_ID;
  return {
    ...(region && { region }),
    ...(flags.profile && { profile: flags.profile }),
    ...(flags.endpointUrl && { endpoint: flags.endpointUrl }),
    ...(local && { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}

/** A client whose region and credentials are known to resolve: their failures are configuration errors. */
export async function connect(config: DynamoDBClientConfig): Promise<DynamoDBClient> {
  const client = new DynamoDBClient(config);
  try {
    await client.config.region();
    await client.config.credentials();
  } catch (error) {
    client.destroy();
    const profile = typeof config.profile === 'string' ? ` with profile ${config.profile}` : '';
    throw new ConfigurationError(
      `Cannot configure the DynamoDB client${profile}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return client;
}

/** `--table`, else the `JobsTableName` output of `--stack`, else the functions' own table variable. */
export async function resolveTableName(
  flags: AwsFlags,
  env: NodeJS.ProcessEnv,
  config: DynamoDBClientConfig,
): Promise<string> {
  if (flags.table) return flags.table;
  if (flags.stack) return tableFromStack(flags.stack, config);
  const fromEnv = env[TABLE_VARIABLE];
  if (fromEnv) return fromEnv;
  throw new ConfigurationError(`Which table? Pass --table NAME or --stack NAME, or set ${TABLE_VARIABLE}`);
}

/** The stack's output (CloudFormation's endpoint is the SDK's usual one: `AWS_ENDPOINT_URL_CLOUDFORMATION`). */
async function tableFromStack(stackName: string, config: DynamoDBClientConfig): Promise<string> {
  const client = new CloudFormationClient({
    ...(config.region && { region: config.region }),
    ...(config.profile && { profile: config.profile }),
  });
  try {
    const response = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const output = response.Stacks?.[0]?.Outputs?.find((entry) => entry.OutputKey === JOBS_TABLE_OUTPUT_NAME);
    if (!output?.OutputValue) {
      throw new ConfigurationError(`Stack ${stackName} has no output ${JOBS_TABLE_OUTPUT_NAME}`);
    }
    return output.OutputValue;
  } finally {
    client.destroy();
  }
}
