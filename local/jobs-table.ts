import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { JOBS_TABLE_SCHEMA } from '../lambdas/contract/table-schema.js';

/** The CreateTable request for the jobs table, built from the same schema the CDK stack uses. */
export function jobsTableDefinition(tableName: string): CreateTableCommandInput {
  const schema = JOBS_TABLE_SCHEMA;
  const attributes = new Map<string, 'S' | 'N'>();
  const add = (attribute: { name: string; type: 'S' | 'N' }) =>
    attributes.set(attribute.name, attribute.type);
  add(schema.partitionKey);
  add(schema.sortKey);
  for (const index of schema.globalSecondaryIndexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: schema.billingMode,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: schema.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: schema.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: schema.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: schema.streamViewType },
  };
}

/**
 * Creates the jobs table (stream on, TTL attribute set) and waits until it is active. For tests and local
 * runs against DynamoDB Local; `ifMissing` leaves an existing table alone.
 */
export async function createJobsTable(
  client: DynamoDBClient,
  tableName: string,
  options: { ifMissing?: boolean } = {},
): Promise<void> {
  try {
    await client.send(new CreateTableCommand(jobsTableDefinition(tableName)));
  } catch (error) {
    if (!(options.ifMissing && error instanceof ResourceInUseException)) throw error;
  }
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await client
    .send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: JOBS_TABLE_SCHEMA.timeToLiveAttribute },
      }),
    )
    .catch((error: unknown) => {
      // Already enabled (a second call on an existing table) is fine.
      if (!(error instanceof Error && /already enabled/i.test(error.message))) throw error;
    });
}
