import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { baseClientConfig, clientSettingsFromEnv } from '../aws/client-config.js';
import { PUBLISHER_SERVICE_NAME } from '../contract/metrics.js';
import { readPublisherSettings, readSetting } from '../contract/settings.js';
import type { HistoryRecord } from '../core/history.js';
import { partitionOfArn } from '../events/contract.js';
import { EventBridgePublisher, type PublishReport, SqsDeadLetterSink } from '../events/publisher.js';
import { publishStreamBatch } from '../events/stream-publisher.js';
import { changeOfWrite, DynamoHistoryWriter, tableNameOfStreamArn } from '../store/history-writer.js';
import { asLog, createLogger, createMetrics, publishPublisherMetrics, withMetrics } from './observability.js';

/**
 * The outbox publisher: the jobs table's stream invokes it with the writes of current items; each record a
 * write made is stored as a history item and, for `transition` and `stall`, becomes one EventBridge event
 * (docs/events.md). Configured once per cold start.
 */
const logger = createLogger(PUBLISHER_SERVICE_NAME);
const log = asLog(logger);
const metrics = createMetrics();
const { eventBusName: busName, deadLetterQueueUrl: queueUrl } = readPublisherSettings(process.env);
const settings = clientSettingsFromEnv();
const publishBackfilled = readSetting(process.env, 'publishBackfilled');

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

export function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  return withMetrics(metrics, () => publishBatch(event, context));
}

async function publishBatch(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
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
  const reports: PublishReport[] = [];
  const counted = {
    publish: async (records: readonly HistoryRecord[]) => {
      const report = await (publisher as EventBridgePublisher).publish(records);
      reports.push(report);
      return report;
    },
  };
  const figures = (retried: number) => ({
    delivered: reports.reduce((sum, report) => sum + report.delivered, 0),
    retried,
    deadLettered: reports.reduce((sum, report) => sum + report.deadLettered, 0),
  });
  try {
    const response = await publishStreamBatch(event, {
      publisher: counted,
      decode: changeOfWrite,
      storeHistory: async (record) => {
        if (!writer) throw new Error('the stream record names no table');
        return writer.put(record);
      },
      log,
      publishBackfilled,
    });
    publishPublisherMetrics(metrics, figures(response.batchItemFailures.length));
    return response;
  } catch (error) {
    // A failed invocation hands the whole batch back to the stream.
    publishPublisherMetrics(metrics, figures(event.Records.length));
    throw error;
  }
}
