import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

/**
 * Runs of one poller at once when it fans out: the scheduled run and its batches. More batches than this
 * wait in Lambda's async queue (throttles are retried there, up to the event's age limit), so the hub's
 * targets never take more of the account's concurrency than this.
 */
export const FAN_OUT_RESERVED_CONCURRENCY = 10;
/** Lambda's own retries of a batch run that failed (an unhandled error or a timeout), before its DLQ. */
export const FAN_OUT_RETRY_ATTEMPTS = 2;

const FAILURES_QUEUE_REASON =
  'This queue is itself the on-failure destination of the pollers’ asynchronous runs (batches that failed every retry or outlived their event age); a DLQ behind it only moves the problem. Its depth is alarmed.';

/**
 * What a fanning-out poller needs besides its own policy: a queue for the runs Lambda gave up on, alarmed,
 * and the grants to invoke exactly itself and to send exactly there. One queue serves every poller.
 */
export class FanOutFailures extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, alarmTopic: sns.ITopic) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.queue, 'AwsSolutions-SQS3', FAILURES_QUEUE_REASON);
    const alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription:
        'A poller batch run (fan-out) failed every Lambda retry or waited out its event age: those targets missed at least one cycle. The message in the fan-out failures queue names the batch; the poller’s log says why.',
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(alarmTopic));
    alarm.addOkAction(new actions.SnsAction(alarmTopic));
  }

  /**
   * `lambda:InvokeFunction` on exactly the function itself and `sqs:SendMessage` on exactly the queue, in a
   * policy of its own: the function's ARN in its own first policy would make the function depend on itself.
   */
  grant(scope: Construct, id: string, fn: lambda.IFunction, role: iam.IRole): iam.Policy {
    return new iam.Policy(scope, id, {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
      ],
    });
  }

  /** The async invocations' on-failure destination; it grants nothing (see `grant`). */
  destination(): lambda.IDestination {
    const queueArn = this.queue.queueArn;
    return { bind: () => ({ destination: queueArn }) };
  }
}
