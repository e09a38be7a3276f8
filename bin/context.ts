import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { MONITORING_CONTEXT_KEYS } from '../lib/monitoring-settings.js';
import {
  type ContextSettings,
  type JobStatusAggregatorSettings,
  parseEventBus,
  parseManifestUris,
  resolveSettings,
  SettingsError,
  SNS_TOPIC_ARN,
  settingsFromContext,
} from '../lib/settings.js';

/**
 * CDK context onto the construct's props: the one place that does it. Each context key is the prop's name;
 * a value is in the unit the deploy guide gives (minutes, days, `off`), and a reference is a name, an ARN
 * or an `s3://` URI, imported here into `scope`. Throws one `SettingsError` with every problem, the range
 * checks of `resolveSettings` included, so a bad `-c` value fails before any resource is built.
 */
export function aggregatorPropsFromContext(scope: Construct): JobStatusAggregatorSettings {
  const context = settingsFromContext(scope.node);
  const problems: string[] = [];
  const props: JobStatusAggregatorSettings = {
    ...(context.services && { services: [...context.services] }),
    ...(context.schedule && { schedule: minutesPerService('schedule', context.schedule, problems) }),
    ...(context.eventBus !== undefined && eventBusProp(scope, context.eventBus, problems)),
    ...(context.historyRetention !== undefined && days(context.historyRetention, problems)),
    ...(context.logRetention !== undefined && { logRetention: context.logRetention as logs.RetentionDays }),
    ...(context.tableRemovalPolicy !== undefined && {
      tableRemovalPolicy: context.tableRemovalPolicy as RemovalPolicy,
    }),
    ...(context.alarmEmails && { alarmEmails: [...context.alarmEmails] }),
    ...(context.alarmTopic !== undefined && alarmTopicProp(scope, context.alarmTopic, problems)),
    ...(context.imagingManifestLocations && {
      imagingManifestLocations: parseManifestUris(context.imagingManifestLocations, problems).map(
        (location, index) => ({
          bucket: s3.Bucket.fromBucketName(scope, `ManifestBucket${index}`, location.bucket),
          prefix: location.prefix,
        }),
      ),
    }),
    ...(context.stallAfter && { stallAfter: minutesPerService('stallAfter', context.stallAfter, problems) }),
    ...(context.keepProgressHistory !== undefined && { keepProgressHistory: context.keepProgressHistory }),
    ...(context.progressRefresh !== undefined && progressRefreshProp(context.progressRefresh, problems)),
    ...targetProps(context),
    ...monitoringProps(context),
  };
  try {
    resolveSettings(props);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return props;
}

function progressRefreshProp(value: unknown, problems: string[]): JobStatusAggregatorSettings {
  const duration = minutes(value, 'progressRefresh: ', problems);
  return duration ? { progressRefresh: duration } : {};
}

function targetProps(context: ContextSettings): JobStatusAggregatorSettings {
  return {
    ...(context.targetAccounts && { targetAccounts: [...context.targetAccounts] }),
    ...(context.targetRegions && { targetRegions: [...context.targetRegions] }),
    ...(context.organizationId !== undefined && { organizationId: context.organizationId }),
    ...(context.memberRoleName !== undefined && { memberRoleName: context.memberRoleName }),
    ...(context.organizationUnits && { organizationUnits: [...context.organizationUnits] }),
    ...(context.organizationRoleArn !== undefined && { organizationRoleArn: context.organizationRoleArn }),
    ...(context.fanOutTargetsPerRun !== undefined && { fanOutTargetsPerRun: context.fanOutTargetsPerRun }),
  };
}

/** The monitoring keys are plain values in props as in context: copied as they are. */
function monitoringProps(context: ContextSettings): JobStatusAggregatorSettings {
  const props: Mutable<JobStatusAggregatorSettings> = {};
  for (const key of MONITORING_CONTEXT_KEYS) {
    if (context[key] !== undefined) Object.assign(props, { [key]: context[key] });
  }
  return props;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Minutes as a Duration, `off` as zero (the props' "off"); anything else is a problem. */
function minutes(value: unknown, what: string, problems: string[]): Duration | undefined {
  if (value === 'off') return Duration.minutes(0);
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    return Number.isInteger(value)
      ? Duration.minutes(value)
      : Duration.seconds(Math.round(value * 60_000) / 1000);
  }
  problems.push(`${what}${JSON.stringify(value)} is not a number of minutes (or off).`);
  return undefined;
}

function minutesPerService(
  key: string,
  map: Readonly<Record<string, unknown>>,
  problems: string[],
): { [service: string]: Duration } {
  const result: { [service: string]: Duration } = {};
  for (const [service, value] of Object.entries(map)) {
    const duration = minutes(value, `${key}: ${service}=`, problems);
    if (duration) result[service] = duration;
  }
  return result;
}

function days(value: number, problems: string[]): JobStatusAggregatorSettings {
  if (Number.isInteger(value) && value >= 0) return { historyRetention: Duration.days(value) };
  problems.push(
    `historyRetention: ${value} must be a whole number of days from 1 to 3650, or 0 to keep history forever. Example: -c historyRetention=365`,
  );
  return {};
}

function eventBusProp(scope: Construct, value: string, problems: string[]): JobStatusAggregatorSettings {
  const bus = parseEventBus(value);
  if (typeof bus === 'string') {
    problems.push(bus);
    return {};
  }
  return {
    eventBus:
      bus.kind === 'arn'
        ? events.EventBus.fromEventBusArn(scope, 'EventBus', bus.arn)
        : events.EventBus.fromEventBusName(scope, 'EventBus', bus.name),
  };
}

function alarmTopicProp(scope: Construct, arn: string, problems: string[]): JobStatusAggregatorSettings {
  if (!SNS_TOPIC_ARN.test(arn)) {
    problems.push(
      `alarmTopic: ${JSON.stringify(arn)} is not the ARN of a standard SNS topic (CloudWatch alarms cannot notify FIFO topics). Example: -c alarmTopic=arn:aws:sns:eu-west-1:123456789012:ops-alarms`,
    );
    return {};
  }
  return { alarmTopic: sns.Topic.fromTopicArn(scope, 'AlarmTopic', arn) };
}
