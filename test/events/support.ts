import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import type { WireEntry } from '../../local/fakes/eventbridge.js';

/** Shared helpers of the event tests. */

export const TEST_REGION = 'us-east-1';

/** A client with the SDK's own retries off, so every PutEvents attempt in a test is the publisher's. */
export function eventBridgeClient(endpoint: string, maxAttempts = 1): EventBridgeClient {
  return new EventBridgeClient({ endpoint, region: TEST_REGION, maxAttempts });
}

let queues = 0;

export async function createQueue(sqs: SQSClient, prefix: string): Promise<string> {
  queues += 1;
  const created = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${process.pid}-${queues}` }));
  if (!created.QueueUrl) throw new Error('no queue url');
  return created.QueueUrl;
}

/** Every message now in the queue, bodies parsed, each received once and deleted. */
export async function drainQueue<T = Record<string, unknown>>(
  sqs: SQSClient,
  queueUrl: string,
): Promise<T[]> {
  const bodies: T[] = [];
  for (;;) {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return bodies;
    for (const message of messages) {
      bodies.push(JSON.parse(message.Body ?? '{}') as T);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

/** The de-duplication id of an entry on the wire: `transitionId` or `stallId`. */
export function eventIdOf(entry: WireEntry): string {
  const detail = JSON.parse(entry.Detail ?? '{}') as { transitionId?: string; stallId?: string };
  return detail.transitionId ?? detail.stallId ?? '';
}

/** A Lambda context as the runtime passes it, for handlers under test. */
export function lambdaContext(functionName = 'job-status-publisher'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${TEST_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/03/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
