import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { readPublisherSettings } from '../contract/settings.js';
import { EventBridgePublisher, SqsDeadLetterSink } from '../events/publisher.js';
import { publishStreamBatch } from '../events/stream-publisher.js';
import { baseClientConfig, clientSettingsFromEnv } from '../services/common/client-config.js';
import { historyRecordFromItem } from '../store/item-codec.js';
import { asLog, createLogger } from './observability.js';

/**
 * The outbox publisher: the jobs table's stream invokes it with new items; every `transition` and `stall`
 * history record becomes one EventBridge event (docs/events.md). Configured once per cold start.
 */
const logger = createLogger('job-status-publisher');
const log = asLog(logger);
const { eventBusName: busName, deadLetterQueueUrl: queueUrl } = readPublisherSettings(process.env);
const settings = clientSettingsFromEnv();

const publisher = new EventBridgePublisher({
  client: new EventBridgeClient(baseClientConfig(settings)),
  busName,
  deadLetters: new SqsDeadLetterSink({ client: new SQSClient(baseClientConfig(settings)), queueUrl, log }),
  log,
});

export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  logger.addContext(context);
  return publishStreamBatch(event, { publisher, decode: historyRecordFromItem, log });
}
