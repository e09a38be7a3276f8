import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { startMotoServer } from '../../local/moto-server.js';

describe('local stand-ins', () => {
  it('starts DynamoDB Local and answers the real client', async () => {
    const ddb = await startDynamoDbLocal();
    try {
      const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1' });
      const tables = await client.send(new ListTablesCommand({}));
      expect(tables.TableNames).toEqual([]);
    } finally {
      await ddb.stop();
    }
  });

  it('starts moto and answers the real S3 client', async () => {
    const moto = await startMotoServer();
    try {
      const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true });
      const buckets = await s3.send(new ListBucketsCommand({}));
      expect(buckets.Buckets ?? []).toEqual([]);
    } finally {
      await moto.stop();
    }
  });
});
