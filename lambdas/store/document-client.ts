import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The document client every store and query function uses: plain objects in and out, `undefined` members
 * dropped (optional fields stay absent), numbers as JavaScript numbers.
 */
export function createDocumentClient(
  client: DynamoDBClient | DynamoDBClientConfig = {},
): DynamoDBDocumentClient {
  const base = client instanceof DynamoDBClient ? client : new DynamoDBClient(client);
  return DynamoDBDocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}

/** A client config for a local endpoint (DynamoDB Local), with throwaway credentials when none are set. */
export function localClientConfig(endpoint: string, region = 'us-east-1'): DynamoDBClientConfig {
  return {
    endpoint,
    region,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    },
  };
}
