import type { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { DetailType, EVENT_SOURCE, isJobStatus, JOB_STATUSES } from '../lambdas/contract/events.js';
import { isServiceId, SERVICE_IDS } from '../lambdas/core/service-id.js';

/** A queue, a function, a topic, or any other EventBridge target. */
export type JobEventTarget = events.IRuleTarget | sqs.IQueue | lambda.IFunction | sns.ITopic;

/**
 * Which job events match. Values are plain strings (checked against the contract when the rule is built,
 * naming the allowed values), so the options stay expressible in every jsii language.
 */
export interface JobEventFilter {
  /** Only these service ids (`healthlake`, `healthimaging`, ...). Default: every service. */
  readonly services?: string[];
  /** Only events whose new `status` is one of these (`FAILED`, `SUCCEEDED`, ...). Default: every status. */
  readonly statuses?: string[];
  /** Only `Job Status Changed` events whose new status is final (`terminal: true`). Default false. */
  readonly terminalOnly?: boolean;
}

/** `onJobStatusChanged` / `onJobStalled`: CDK's `OnEventOptions` (target, rule name, description, extra pattern) and the filter. */
export interface JobStatusChangedOptions extends events.OnEventOptions, JobEventFilter {}

/** Which job events a subscription receives, and where they go. */
export interface JobEventSubscriptionOptions extends JobEventFilter {
  readonly target: JobEventTarget;
  /** Which detail-types: `Job Status Changed` (default) and/or `Job Stalled`. */
  readonly detailTypes?: string[];
  readonly description?: string;
  /** Where EventBridge puts events it could not deliver to the target (queue, function and topic targets). */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Delivery retries before the dead-letter queue (0–185). Default: EventBridge's 185. */
  readonly retryAttempts?: number;
  /** How long EventBridge keeps retrying (1 minute – 24 hours). Default: EventBridge's 24 hours. */
  readonly maxEventAge?: Duration;
}

const DETAIL_TYPES: readonly string[] = Object.values(DetailType);

/**
 * The event pattern of a subscription. The field names are those of the public contract
 * (lambdas/contract/events.ts, lambdas/events/contract.ts, docs/events.md): `service`, `status`, `terminal` in `detail`.
 * Throws on a value outside the contract, naming the allowed values.
 */
export function jobEventPattern(
  options: JobEventFilter & { readonly detailTypes?: readonly string[] },
): events.EventPattern {
  const detailTypes = options.detailTypes ?? [DetailType.STATUS_CHANGED];
  checkValues('detailTypes', detailTypes, (v) => DETAIL_TYPES.includes(v as string), DETAIL_TYPES);
  const statusChanges = (detailTypes as readonly string[]).includes(DetailType.STATUS_CHANGED);
  if (options.services) checkValues('services', options.services, isServiceId, SERVICE_IDS);
  if (options.statuses) checkValues('statuses', options.statuses, isJobStatus, JOB_STATUSES);
  if (options.terminalOnly && !statusChanges) {
    throw new Error(
      `subscribe: terminalOnly matches only "${DetailType.STATUS_CHANGED}" events (only they carry "terminal"); add it to detailTypes.`,
    );
  }
  const detail: Record<string, unknown[]> = {};
  if (options.services) detail.service = [...new Set(options.services)];
  if (options.statuses) detail.status = [...new Set(options.statuses)];
  if (options.terminalOnly) detail.terminal = [true];
  return {
    source: [EVENT_SOURCE],
    detailType: [...new Set(detailTypes)],
    ...(Object.keys(detail).length > 0 && { detail }),
  };
}

/** The EventBridge target for a queue, function or topic; any `IRuleTarget` is used as it is. */
export function toRuleTarget(
  target: JobEventTarget,
  options: Pick<JobEventSubscriptionOptions, 'deadLetterQueue' | 'retryAttempts' | 'maxEventAge'>,
): events.IRuleTarget {
  const delivery = {
    ...(options.deadLetterQueue && { deadLetterQueue: options.deadLetterQueue }),
    ...(options.retryAttempts !== undefined && { retryAttempts: options.retryAttempts }),
    ...(options.maxEventAge && { maxEventAge: options.maxEventAge }),
  };
  if ('queueArn' in target) return new targets.SqsQueue(target, delivery);
  if ('functionArn' in target) return new targets.LambdaFunction(target, delivery);
  if ('topicArn' in target) return new targets.SnsTopic(target, delivery);
  if (Object.keys(delivery).length > 0) {
    throw new Error(
      'subscribe: deadLetterQueue, retryAttempts and maxEventAge apply to queue, function and topic targets; set them on your IRuleTarget instead.',
    );
  }
  return target;
}

function checkValues(
  name: string,
  values: readonly unknown[],
  valid: (value: unknown) => boolean,
  allowed: readonly string[],
): void {
  if (values.length === 0) {
    throw new Error(`subscribe: ${name} is empty; leave it out to match every value.`);
  }
  const bad = values.filter((value) => !valid(value));
  if (bad.length > 0) {
    throw new Error(
      `subscribe: ${name} has ${bad.map((v) => JSON.stringify(v)).join(', ')}; allowed: ${allowed.join(', ')}.`,
    );
  }
}
