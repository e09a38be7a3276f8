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
import { historyRecordFromItem } from '../store/item-codec.js';
import { asLog, createLogger, createMetrics, publishPublisherMetrics, withMetrics } from './observability.js';

/**
 * The outbox publisher: the jobs table's stream invokes it with new items; every `transition` and `stall`
 * history record becomes one EventBridge event (docs/events.md). Configured once per cold start.
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
      decode: historyRecordFromItem,
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
