import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { baseClientConfig, clientSettingsFromEnv } from '../aws/client-config.js';
import { readPublisherSettings, readSetting } from '../contract/settings.js';
import { partitionOfArn } from '../events/contract.js';
import { EventBridgePublisher, SqsDeadLetterSink } from '../events/publisher.js';
import { publishStreamBatch } from '../events/stream-publisher.js';
import { changeOfWrite, DynamoHistoryWriter, tableNameOfStreamArn } from '../store/history-writer.js';
import { asLog, createLogger } from './observability.js';

/**
 * The outbox publisher: the jobs table's stream invokes it with the writes of current items; each record a
 * write made is stored as a history item and, for `transition` and `stall`, becomes one EventBridge event
 * (docs/events.md). Configured once per cold start.
 */
const logger = createLogger('job-status-publisher');
const log = asLog(logger);
const { eventBusName: busName, deadLetterQueueUrl: queueUrl } = readPublisherSettings(process.env);
const settings = clientSettingsFromEnv();

const client = new EventBridgeClient(baseClientConfig(settings));
const deadLetters = new SqsDeadLetterSink({
  client: new SQSClient(baseClientConfig(settings)),
  queueUrl,
  log,
});
let publisher: EventBridgePublisher | undefined;
const dynamodb = new DynamoDBClient(baseClientConfig(settings));
const historyRetentionDays = readSetting(process.env, 'historyRetentionDays');
let history: DynamoHistoryWriter | undefined;

export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  logger.addContext(context);
  // The partition is known only from the invocation: arn:<partition>:lambda:<region>:<account>:function:...
  publisher ??= new EventBridgePublisher({
    client,
    busName,
    partition: partitionOfArn(context.invokedFunctionArn),
    deadLetters,
    log,
  });
  // The table is the stream's own: its name is in every record's source ARN.
  const tableName = tableNameOfStreamArn(event.Records[0]?.eventSourceARN);
  if (tableName && history?.tableName !== tableName)
    history = new DynamoHistoryWriter({ client: dynamodb, tableName, historyRetentionDays });
  const writer = history;
  return publishStreamBatch(event, {
    publisher,
    decode: changeOfWrite,
    storeHistory: async (record) => {
      if (!writer) throw new Error('the stream record names no table');
      return writer.put(record);
    },
    log,
  });
}
