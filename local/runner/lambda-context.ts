import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * A Lambda invocation context, as the runtime hands it to a handler: the function's ARN (the pollers read
 * the account id from it), a request id, and the time left before the function's timeout.
 */
export function lambdaContext(options: {
  readonly functionName: string;
  readonly region: string;
  /** Empty when unknown: the handler then files jobs without an account id. */
  readonly accountId: string;
  readonly timeoutMs: number;
  readonly now?: () => number;
}): Context {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const requestId = randomUUID();
  const unsupported = () => {
    throw new Error('callback-style completion is not used by these handlers');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:${options.accountId}:function:${options.functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
