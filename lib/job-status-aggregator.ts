import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  LogLevel,
  NodejsFunction,
  type NodejsFunctionProps,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HUB_EVENT_BUS_NAME, hubPollerRoleName } from '../lambdas/contract/hub.js';
import { METRICS_NAMESPACE, PUBLISHER_SERVICE_NAME, pollerServiceName } from '../lambdas/contract/metrics.js';
import { serviceFacts } from '../lambdas/contract/services.js';
import {
  DEFAULT_SDK_MAX_ATTEMPTS,
  defaultOf,
  type JobCountSettings,
  recentWindowSecondsFor,
  type SettingsValues,
  settingsEnvironment,
} from '../lambdas/contract/settings.js';
import {
  JOBS_TABLE_SCHEMA,
  JobsTableAttributes,
  type KeyAttribute,
} from '../lambdas/contract/table-schema.js';
import type { ServiceId } from '../lambdas/core/service-id.js';
import { EventSchemas } from './event-schemas.js';
import { FAN_OUT_RESERVED_CONCURRENCY, FAN_OUT_RETRY_ATTEMPTS, FanOutFailures } from './fan-out.js';
import { hubBusPolicyStatement } from './member/hub-bus-policy.js';
import { AggregatorMonitoring, pascal } from './monitoring.js';
import { acknowledge, iam5Resource, NagReasons } from './nag.js';
import {
  type JobStatusAggregatorSettings,
  type ResolvedSettings,
  resolveSettings,
  type S3Location,
  SettingsError,
  TableRemovalPolicy,
} from './settings.js';
import { type JobEventSubscriptionOptions, jobEventPattern, toRuleTarget } from './subscription.js';
import {
  assumeMemberRoles,
  busMembers,
  discoveryPolicy,
  HUB_POLLER_MEMORY_MB,
  type HubTargets,
  hubTargets,
  memberEventAccounts,
  organizationRoleResource,
  POLLER_MEMORY_MB,
} from './targets.js';

export interface JobStatusAggregatorProps extends JobStatusAggregatorSettings {
  /** An event bus from the embedding stack; use instead of `eventBus` (a name or ARN). */
  readonly existingEventBus?: events.IEventBus;
  /** An alarm topic from the embedding stack; use instead of `alarmTopicArn`. */
  readonly existingAlarmTopic?: sns.ITopic;
}

/** The repository root: handler entries in the service registry are relative to it. */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Exactly the table actions a poller's store makes (lambdas/store/dynamo-store.ts): GetItem, Query, PutItem,
 * and TransactWriteItems of two Puts, which IAM authorizes per item action (PutItem).
 */
export const POLLER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'] as const;

/** What Lambda's event source mapping needs to read the table's stream. */
export const STREAM_READ_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
] as const;

/**
 * Poller run limits. A cycle stops starting new work when less than the safety margin is left; the
 * margin covers one job already started: up to 4 attempts of 10 s plus back-off, then its table write.
 */
const POLLER_TIMEOUT = Duration.minutes(5);
const SAFETY_MARGIN_MS = 60_000;
/** Stack traces point into the TypeScript sources (the bundles are minified, with source maps). */
const SOURCE_MAPS = { NODE_OPTIONS: '--enable-source-maps' } as const;

/**
 * The job-status aggregator: one poller per enabled service (schedule plus native-event fast path), the
 * jobs table, the stream publisher with its dead-letter queue, the event bus, alarms and a dashboard.
 * Wiring only: behaviour lives in lambdas/.
 */
export class JobStatusAggregator extends Construct {
  readonly settings: ResolvedSettings;
  /** Undefined when no target is set: the hub watches its own account and region. */
  readonly targets: HubTargets | undefined;
  readonly table: dynamodb.Table;
  readonly eventBus: events.IEventBus;
  /** Stream batches the publisher gave up on, and events EventBridge rejected for good. */
  readonly deadLetterQueue: sqs.Queue;
  readonly alarmTopic: sns.ITopic;
  readonly pollers: ReadonlyMap<ServiceId, NodejsFunction>;
  readonly publisher: NodejsFunction;
  readonly monitoring: AggregatorMonitoring;
  /** The events' schema registry, for consumers' code bindings (docs/events.md). */
  readonly eventSchemas: EventSchemas;
  /** Where fanned-out runs Lambda gave up on land; undefined unless `fanOutTargetsPerRun` is set. */
  readonly fanOutFailures: FanOutFailures | undefined;

  constructor(scope: Construct, id: string, props: JobStatusAggregatorProps = {}) {
    super(scope, id);
    const { existingEventBus, existingAlarmTopic, ...settingsInput } = props;
    this.settings = resolveSettings(settingsInput);
    this.targets = this.settings.targets && hubTargets(this, this.settings.targets);
    this.checkConstructProps(props);
    for (const warning of this.settings.warnings) {
      Annotations.of(this).addWarningV2(warning.id, warning.message);
    }

    this.table = this.createTable();
    this.eventBus = existingEventBus ?? this.resolveEventBus();
    this.alarmTopic = existingAlarmTopic ?? this.resolveAlarmTopic();
    this.fanOutFailures =
      this.targets?.fanOutTargetsPerRun !== undefined
        ? new FanOutFailures(this, 'FanOutFailures', this.alarmTopic)
        : undefined;

    const pollers = new Map<ServiceId, NodejsFunction>();
    const logGroups = new Map<ServiceId, logs.LogGroup>();
    for (const service of this.settings.services) {
      const { fn, logGroup } = this.createPoller(service);
      pollers.set(service, fn);
      logGroups.set(service, logGroup);
    }
    this.pollers = pollers;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // A dead letter carries a whole PutEvents entry (up to 256 KB) plus its context (docs/events.md).
      maxMessageSizeBytes: 1_048_576,
    });
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', NagReasons.deadLetterQueueHasNoDlq);
    this.publisher = this.createPublisher();
    this.eventSchemas = new EventSchemas(this, 'EventSchemas');

    this.monitoring = new AggregatorMonitoring(this, 'Monitoring', {
      pollers: [...pollers].map(([service, fn]) => ({
        service,
        function: fn,
        logGroup: logGroups.get(service) as logs.LogGroup,
      })),
      publisher: this.publisher,
      deadLetterQueue: this.deadLetterQueue,
      alarmTopic: this.alarmTopic,
      watchesTargets: this.targets !== undefined,
      ...this.settings.monitoring,
      discoversAccounts: (this.targets?.organizationUnits.length ?? 0) > 0,
    });
  }

  /**
   * Adds a rule on the job bus that sends the chosen job events to a queue, function, topic or any other
   * EventBridge target. Example: every HealthLake or HealthOmics job that failed, to a queue:
   * `aggregator.subscribe('Failures', { target: queue, services: ['healthlake', 'healthomics'], statuses: ['FAILED'] })`.
   */
  subscribe(id: string, options: JobEventSubscriptionOptions): events.Rule {
    const { target, description, deadLetterQueue, retryAttempts, maxEventAge, ...match } = options;
    return new events.Rule(this, id, {
      eventBus: this.eventBus,
      description: description ?? 'Job events from the job-status aggregator',
      eventPattern: jobEventPattern(match),
      targets: [
        toRuleTarget(target, {
          ...(deadLetterQueue && { deadLetterQueue }),
          ...(retryAttempts !== undefined && { retryAttempts }),
          ...(maxEventAge && { maxEventAge }),
        }),
      ],
    });
  }

  /**
   * What the publisher passes to PutEvents as `EventBusName`: always the ARN, which names a bus in another
   * account too (a bare name would mean this account's bus of that name).
   */
  get eventBusReference(): string {
    return this.eventBus.eventBusArn;
  }

  private checkConstructProps(props: JobStatusAggregatorProps): void {
    const problems: string[] = [];
    if (props.existingEventBus && props.eventBus !== undefined) {
      problems.push('eventBus and existingEventBus: set one of them, not both.');
    }
    if (props.existingAlarmTopic && (props.alarmTopicArn !== undefined || props.alarmEmails?.length)) {
      problems.push('existingAlarmTopic: set it alone, without alarmTopicArn or alarmEmail.');
    }
    const bus = this.settings.eventBus;
    const region = Stack.of(this).region;
    if (bus?.kind === 'arn' && !Token.isUnresolved(region) && bus.region !== region) {
      problems.push(
        `eventBus: ${bus.arn} is in ${bus.region} but this stack deploys to ${region}; PutEvents reaches buses of its own region only. Use a bus in ${region} (it can forward to ${bus.region} with a rule).`,
      );
    }
    if (this.targets?.hasMembers && (props.existingEventBus || bus !== undefined)) {
      problems.push(
        `eventBus: with member accounts (targetAccounts other than this one, or organizationId) the hub creates its own bus, ${HUB_EVENT_BUS_NAME}, where the members forward their services' job events; leave eventBus and existingEventBus unset.`,
      );
    }
    if (problems.length > 0) throw new SettingsError(problems);
  }

  private createTable(): dynamodb.Table {
    const schema = JOBS_TABLE_SCHEMA;
    const retain = this.settings.tableRemovalPolicy === TableRemovalPolicy.RETAIN;
    const table = new dynamodb.Table(this, 'JobsTable', {
      partitionKey: attribute(schema.partitionKey),
      sortKey: attribute(schema.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // AWS-managed KMS key (aws/dynamodb): encrypted at rest with key use in CloudTrail, and no key policy
      // or kms:* grants for every function to keep right. Items hold job ids, statuses and counters only.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: schema.timeToLiveAttribute,
      stream: dynamodb.StreamViewType[schema.streamViewType],
      // A table that must survive the stack cannot be deleted by accident either; `destroy` means both off.
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of schema.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: dynamodb.ProjectionType[index.projection],
      });
    }
    return table;
  }

  private resolveEventBus(): events.IEventBus {
    const bus = this.settings.eventBus;
    if (bus?.kind === 'arn') return events.EventBus.fromEventBusArn(this, 'EventBus', bus.arn);
    if (bus?.kind === 'name') return events.EventBus.fromEventBusName(this, 'EventBus', bus.name);
    const created = new events.EventBus(this, 'EventBus', {
      description: 'Job status changes and stalls from the job-status aggregator',
      // The name the member stacks forward to (lambdas/contract/hub.ts).
      ...(this.targets?.hasMembers && { eventBusName: HUB_EVENT_BUS_NAME }),
    });
    if (this.targets?.hasMembers) {
      created.addToResourcePolicy(hubBusPolicyStatement(created.eventBusArn, busMembers(this.targets)));
    }
    // IEventBus declares `eventSourceName?: string`, the class `eventSourceName: string | undefined`: the
    // same thing, except under exactOptionalPropertyTypes.
    return created as unknown as events.IEventBus;
  }

  private resolveAlarmTopic(): sns.ITopic {
    const { alarmTopicArn, alarmEmails } = this.settings;
    if (alarmTopicArn) return sns.Topic.fromTopicArn(this, 'AlarmTopic', alarmTopicArn);
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Job status aggregator alarms',
      enforceSSL: true,
    });
    for (const email of alarmEmails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    return topic;
  }

  private createPoller(service: ServiceId): { fn: NodejsFunction; logGroup: logs.LogGroup } {
    const entry = serviceFacts(service);
    const id = `${pascal(service)}Poller`;
    const minutes = this.settings.scheduleMinutes[service] ?? entry.defaultScheduleMinutes;
    const locations = service === 'healthimaging' ? this.settings.imagingManifestLocations : [];

    // The name each member's read role trusts; only where members exist (names are global and fixed).
    const roleName = this.targets?.hasMembers ? hubPollerRoleName(service, Stack.of(this).region) : undefined;
    const { role, logGroup, logStatement } = this.functionRoleAndLogs(
      id,
      `${entry.displayName} job poller`,
      roleName,
    );
    const assume = this.targets && assumeMemberRoles(this.targets);
    const policy = new iam.Policy(this, `${id}Policy`, {
      roles: [role],
      statements: [
        logStatement,
        new iam.PolicyStatement({ actions: [...entry.iamActions], resources: ['*'] }),
        new iam.PolicyStatement({
          actions: [...POLLER_TABLE_ACTIONS],
          resources: [this.table.tableArn],
        }),
        new iam.PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: JOBS_TABLE_SCHEMA.globalSecondaryIndexes.map(
            (index) => `${this.table.tableArn}/index/${index.indexName}`,
          ),
        }),
        ...(locations.length > 0
          ? [
              new iam.PolicyStatement({
                actions: ['s3:GetObject'],
                resources: locations.map((l) => `arn:${Aws.PARTITION}:s3:::${manifestObjects(l)}`),
              }),
            ]
          : []),
        ...(assume ? [assume] : []),
      ],
    });
    acknowledge(policy, iam5Resource('*'), NagReasons.pollerServiceActions);
    if (this.targets?.organizationId !== undefined) {
      acknowledge(
        policy,
        iam5Resource(organizationRoleResource(this.targets.memberRoleName)),
        NagReasons.organizationMemberRoles,
      );
    }
    for (const l of locations) {
      acknowledge(
        policy,
        iam5Resource(`arn:<AWS::Partition>:s3:::${manifestObjects(l)}`),
        NagReasons.manifestPrefix,
      );
    }

    const fanOut = this.fanOutFailures;
    const fn = new NodejsFunction(this, id, {
      ...functionDefaults(entry.handlerEntry),
      description: `Polls ${entry.displayName} jobs every ${minutes} min${entry.nativeEvents ? ' and on native events' : ''}; records changes`,
      role,
      logGroup,
      memorySize: this.targets?.hasMembers ? HUB_POLLER_MEMORY_MB : POLLER_MEMORY_MB,
      timeout: POLLER_TIMEOUT,
      // One run at a time per service: a cycle never overlaps the next. A native event that arrives during
      // a cycle is throttled and Lambda's async queue retries it (for up to maxEventAge). A poller that fans
      // out runs its batches side by side; a failed batch is retried, then lands in the failures queue.
      reservedConcurrentExecutions: fanOut ? FAN_OUT_RESERVED_CONCURRENCY : 1,
      retryAttempts: fanOut ? FAN_OUT_RETRY_ATTEMPTS : 0,
      ...(fanOut && { onFailure: fanOut.destination() }),
      maxEventAge: Duration.hours(1),
      environment: {
        ...this.pollerEnvironment(service, minutes * 60),
        POWERTOOLS_SERVICE_NAME: pollerServiceName(service),
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...SOURCE_MAPS,
      },
    });
    fn.node.addDependency(policy);
    const discovery = this.targets && discoveryPolicy(this, `${id}DiscoveryPolicy`, role, this.targets);
    if (discovery) fn.node.addDependency(discovery);
    const invokeSelf = fanOut?.grant(this, `${id}FanOutPolicy`, fn, role);

    const schedule = new events.Rule(this, `${id}Schedule`, {
      description: `Runs the ${entry.displayName} poll cycle`,
      schedule: events.Schedule.rate(Duration.minutes(minutes)),
      targets: [
        new targets.LambdaFunction(fn, { event: events.RuleTargetInput.fromObject({ kind: 'poll' }) }),
      ],
    });
    // The first scheduled run may already fan out.
    if (invokeSelf) schedule.node.addDependency(invokeSelf);
    if (entry.nativeEvents) {
      // AWS service events arrive on the default bus only. The event goes to the poller unchanged.
      new events.Rule(this, `${id}NativeEvents`, {
        description: `Refreshes one ${entry.displayName} import job as soon as AWS reports a change`,
        eventPattern: {
          source: [entry.nativeEvents.source],
          detailType: [...entry.nativeEvents.detailTypes],
        },
        targets: [new targets.LambdaFunction(fn)],
      });
      // Members forward their services' own events to the hub's bus, unchanged: `account` and `region`
      // name the target the job belongs to. Only the listed targets' events (with discovery any account
      // the bus admits: the poller ignores an account and region it does not watch).
      const members = this.targets && memberEventAccounts(this.targets);
      if (this.targets && members) {
        new events.Rule(this, `${id}MemberEvents`, {
          description: `Refreshes one ${entry.displayName} import job of a member account as soon as AWS reports a change there`,
          eventBus: this.eventBus,
          eventPattern: {
            source: [entry.nativeEvents.source],
            detailType: [...entry.nativeEvents.detailTypes],
            ...members,
            region: [...this.targets.regions],
          },
          targets: [new targets.LambdaFunction(fn)],
        });
      }
    }
    return { fn, logGroup };
  }

  /**
   * A poller's settings (lambdas/contract/settings.ts), each in the form the function uses: its own
   * service's schedule and stall threshold, the project's defaults written out where the console should
   * show them.
   */
  private pollerEnvironment(service: ServiceId, scheduleSeconds: number): Record<string, string> {
    const stallAfter = this.settings.stallAfterSeconds[service];
    const locations = service === 'healthimaging' ? this.settings.imagingManifestLocations : [];
    const { progressRefreshSeconds } = this.settings;
    return settingsEnvironment({
      tableName: this.table.tableName,
      scheduleSeconds,
      fullSweepSeconds: defaultOf('fullSweepSeconds'),
      recentWindowSeconds: recentWindowSecondsFor(scheduleSeconds),
      // Off: a limit of 0 progress-only describes per cycle, and no interval to set.
      ...(progressRefreshSeconds === undefined ? { progressRefreshLimit: 0 } : { progressRefreshSeconds }),
      concurrency: defaultOf('concurrency'),
      safetyMarginMs: SAFETY_MARGIN_MS,
      sdkMaxAttempts: DEFAULT_SDK_MAX_ATTEMPTS,
      sdkRequestTimeoutMs: defaultOf('sdkRequestTimeoutMs'),
      stallAfterSeconds: stallAfter ?? 'off',
      historyRetentionDays: this.settings.historyRetentionDays,
      progressIntervalSeconds: defaultOf('progressIntervalSeconds'),
      keepProgressHistory: this.settings.keepProgressHistory,
      ...(locations.length > 0 && { imagingManifestLocations: locations.map(manifestUri) }),
      ...(this.targets && {
        targets: this.targets.targets,
        memberRoleName: this.targets.memberRoleName,
      }),
      ...jobCountsEnvironment(this.settings.monitoring.jobCounts),
      ...(this.targets?.organizationUnits.length && {
        organizationUnits: this.targets.organizationUnits,
        organizationRoleArn: this.targets.organizationRoleArn,
        targetRegions: this.targets.regions,
      }),
      ...(this.targets?.fanOutTargetsPerRun !== undefined && {
        fanOutTargetsPerRun: this.targets.fanOutTargetsPerRun,
      }),
    });
  }

  private createPublisher(): NodejsFunction {
    const id = 'Publisher';
    const { role, logGroup, logStatement } = this.functionRoleAndLogs(id, 'Job event publisher');
    const streamArn = this.table.tableStreamArn;
    if (!streamArn) throw new Error('the jobs table has no stream');
    const streamsOfTable = `${this.table.tableArn}/stream/*`;
    const policy = new iam.Policy(this, `${id}Policy`, {
      roles: [role],
      statements: [
        logStatement,
        new iam.PolicyStatement({ actions: [...STREAM_READ_ACTIONS], resources: [streamArn] }),
        new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: [streamsOfTable] }),
        // The history items, derived from the current items' writes (lambdas/store/history-writer.ts).
        new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [this.table.tableArn] }),
        new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.eventBus.eventBusArn] }),
        // SendMessageBatch is authorized as sqs:SendMessage.
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
      ],
    });
    const tableLogicalId = Stack.of(this).getLogicalId(this.table.node.defaultChild as dynamodb.CfnTable);
    acknowledge(policy, iam5Resource(`<${tableLogicalId}.Arn>/stream/*`), NagReasons.streamList);

    const fn = new NodejsFunction(this, id, {
      ...functionDefaults('lambdas/handlers/publisher.ts'),
      description: 'Publishes job transitions and stalls from the table stream to EventBridge',
      role,
      logGroup,
      memorySize: 256,
      timeout: Duration.minutes(2),
      environment: {
        ...settingsEnvironment({
          eventBusName: this.eventBusReference,
          deadLetterQueueUrl: this.deadLetterQueue.queueUrl,
          historyRetentionDays: this.settings.historyRetentionDays,
        }),
        POWERTOOLS_SERVICE_NAME: PUBLISHER_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...SOURCE_MAPS,
      },
    });
    fn.node.addDependency(policy);

    const mapping = new lambda.EventSourceMapping(this, 'PublisherStream', {
      target: fn,
      eventSourceArn: streamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: 10,
      // The stream keeps records 24 hours; giving up after 6 leaves 18 to replay from the DLQ's pointers.
      maxRecordAge: Duration.hours(6),
      parallelizationFactor: 1,
      onFailure: new QueueDestination(this.deadLetterQueue),
      filters: [
        // Writes of current items; the publisher tells a new version (a record) from a rewrite of one.
        lambda.FilterCriteria.filter({
          eventName: lambda.FilterRule.or('INSERT', 'MODIFY'),
          dynamodb: {
            NewImage: { [JobsTableAttributes.SORT_KEY]: { S: lambda.FilterRule.isEqual('CURRENT') } },
          },
        }),
      ],
    });
    mapping.node.addDependency(policy);
    return fn;
  }

  /**
   * A role with no managed policy (so no AWSLambdaBasicExecutionRole and its logs:CreateLogGroup on *),
   * the function's own log group with the retention setting, and the statement that lets it write there.
   */
  private functionRoleAndLogs(
    id: string,
    description: string,
    roleName?: string,
  ): { role: iam.Role; logGroup: logs.LogGroup; logStatement: iam.PolicyStatement } {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: this.settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description,
      ...(roleName !== undefined && { roleName }),
    });
    // The log group's ARN attribute ends in `:*`, which covers its log streams.
    const logStatement = new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    });
    return { role, logGroup, logStatement };
  }
}

/**
 * The stream's on-failure destination. It grants nothing: the publisher's policy already holds
 * `sqs:SendMessage` on the queue (the mapping depends on that policy), while the library's `SqsDlq` would
 * add GetQueueAttributes and GetQueueUrl, which nothing here calls.
 */
class QueueDestination implements lambda.IEventSourceDlq {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(): lambda.DlqDestinationConfig {
    return { destination: this.queue.queueArn };
  }
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return {
    name: key.name,
    type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
  };
}

/** The objects under a manifest location: `bucket/prefix/*`, or `bucket/*` for a whole bucket. */
export function manifestObjects(location: S3Location): string {
  return `${location.bucket}/${location.prefix === '' ? '' : `${location.prefix}/`}*`;
}

/** A manifest location as the HealthImaging adapter reads it: `s3://bucket/prefix`, whole path segments. */
function manifestUri(location: S3Location): string {
  return `s3://${location.bucket}${location.prefix === '' ? '' : `/${location.prefix}`}`;
}

/**
 * Shared by every function: Node.js 24 on Graviton, bundled locally with esbuild (no Docker), as ESM.
 * The AWS SDK v3 is bundled, not taken from the runtime: the tested version is the deployed one, and
 * esbuild tree-shakes each bundle down to the one client its handler imports.
 */
function functionDefaults(entry: string): NodejsFunctionProps {
  return {
    entry: path.join(PROJECT_ROOT, entry),
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    bundling: {
      format: OutputFormat.ESM,
      target: 'node24',
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      mainFields: ['module', 'main'],
      externalModules: [],
      // ESM output: CommonJS dependencies inside the bundle still call require().
      banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      logLevel: LogLevel.WARNING,
    },
  };
}

/** The job-count settings, written only where they differ from the functions' default (off). */
function jobCountsEnvironment({ mode, perTarget }: JobCountSettings): SettingsValues {
  if (mode === 'off') return {};
  return { jobCountMetrics: mode, ...(perTarget && { jobCountsPerTarget: true }) };
}
