import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { baseClientConfig, clientSettingsFromEnv } from '../aws/client-config.js';
import { readStoreSettings } from '../contract/settings.js';
import type { JobStateStore, Log } from '../core/ports.js';
import { DynamoJobStateStore } from '../store/dynamo-store.js';

/** The DynamoDB store from the function's environment (the table and the retention settings). */
export function storeFromEnv(log: Log, env: NodeJS.ProcessEnv = process.env): JobStateStore {
  // The SDK itself honours AWS_ENDPOINT_URL_DYNAMODB, which local mode and the tests use.
  const client = new DynamoDBClient(baseClientConfig(clientSettingsFromEnv(env)));
  return new DynamoJobStateStore({ client, settings: readStoreSettings(env), log });
}
