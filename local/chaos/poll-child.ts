/**
 * One poll of one service in a process of its own, so a chaos run can kill it outright (SIGKILL) at an
 * exact point: `tsx local/chaos/poll-child.ts <service>`. It takes everything from the environment the
 * parent set (endpoints, table, settings), exactly as the deployed function does, and prints its result on
 * a line starting with `CHAOS-RESULT ` when it lives to the end.
 */
import type { Context } from 'aws-lambda';
import { isServiceId } from '../../lambdas/core/service-id.js';
import { loadPoller } from './pollers.js';

const service = process.argv[2] ?? '';
if (!isServiceId(service)) {
  process.stderr.write(`usage: poll-child.ts <service>; got ${JSON.stringify(service)}\n`);
  process.exit(2);
}
const handler = await loadPoller(service);
const account = process.env.CHAOS_ACCOUNT_ID ?? '123456789012';
const context = {
  functionName: `job-poller-${service}`,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:${account}:function:job-poller-${service}`,
  memoryLimitInMB: '256',
  awsRequestId: `killed-run-${process.pid}`,
  logGroupName: `/aws/lambda/job-poller-${service}`,
  logStreamName: 'chaos',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 300_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;
const result = await handler({ kind: 'poll' }, context);
process.stdout.write(`CHAOS-RESULT ${JSON.stringify(result)}\n`);
