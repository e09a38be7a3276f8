import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { baseClientConfig, clientSettingsFromEnv } from '../aws/client-config.js';
import { readPublisherSettings, readSetting } from '../contract/settings.js';
import { partitionOfArn } from '../events/contract.js';
import { EventBridgePublisher, SqsDeadLetterSink } from '../events/publisher.js';
import { publishStreamBatch } from '../events/stream-publisher.js';
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
const publishBackfilled = readSetting(process.env, 'publishBackfilled');

const client = new EventBridgeClient(baseClientConfig(settings));
const deadLetters = new SqsDeadLetterSink({
  client: new SQSClient(baseClientConfig(settings)),
  queueUrl,
  log,
});
let publisher: EventBridgePublisher | undefined;

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
  return publishStreamBatch(event, { publisher, decode: historyRecordFromItem, log, publishBackfilled });
}
