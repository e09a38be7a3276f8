import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DetailType } from '../lambdas/contract/events.js';
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
import { isServiceId, type ServiceId } from '../lambdas/core/service-id.js';
import {
  type AggregatorMetricOptions,
  checkService,
  jobCountFigure,
  pollerFunctionMetrics,
  publisherMetrics,
  StackFigure,
  stackFigure,
} from './construct-metrics.js';
import { EventSchemas } from './event-schemas.js';
import { FAN_OUT_RESERVED_CONCURRENCY, FAN_OUT_RETRY_ATTEMPTS, FanOutFailures } from './fan-out.js';
import { BUNDLE_HANDLER, bundleCode, PUBLISHER_BUNDLE, pollerBundle } from './lambda-code.js';
import { hubBusPolicyStatement } from './member/hub-bus-policy.js';
import { AggregatorMonitoring, pascal } from './monitoring.js';
import { acknowledge, iam5Resource, NagReasons, nagResource } from './nag.js';
import {
  type JobStatusAggregatorSettings,
  type ResolvedManifestLocation,
  type ResolvedSettings,
  resolveSettings,
  type S3Location,
  SettingsError,
} from './settings.js';
import {
  type JobEventSubscriptionOptions,
  type JobStatusChangedOptions,
  jobEventPattern,
  toRuleTarget,
} from './subscription.js';
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

/** The settings (lib/settings.ts), and what users tune on the resources inside. */
export interface JobStatusAggregatorProps extends JobStatusAggregatorSettings {
  /** Table properties to tune; keys, indexes, stream, TTL and encryption are the aggregator's. */
  readonly tableProps?: JobsTableOverrides;
  /** Function properties to tune on every poller. */
  readonly pollerFunctionProps?: FunctionOverrides;
  /** Function properties to tune on the publisher. */
  readonly publisherFunctionProps?: FunctionOverrides;
}

/** The parts of the jobs table a user may set. */
export interface JobsTableOverrides {
  /** A fixed table name (then the table cannot be replaced without a new name). Default: generated. */
  readonly tableName?: string;
  /** Default STANDARD. */
  readonly tableClass?: dynamodb.TableClass;
  /** CloudWatch Contributor Insights on the table. Default off. */
  readonly contributorInsightsSpecification?: dynamodb.ContributorInsightsSpecification;
}

/** The parts of a function a user may set. */
export interface FunctionOverrides {
  /** Default 512 MB for a poller, 256 MB for the publisher. */
  readonly memorySize?: number;
  /** Extra environment variables (for example `POWERTOOLS_LOG_LEVEL`); the aggregator's own `JOBS_*` settings cannot be replaced. */
  readonly environment?: { [name: string]: string };
}

/**
 * Exactly the table actions a poller's store makes (lambdas/store/dynamo-store.ts): GetItem, Query, PutItem,
 * and TransactWriteItems of two Puts, which IAM authorizes per item action (PutItem).
 */
export const POLLER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'] as const;

/** What `grantRead` gives: the calls the `job-status` command and the report make (cli/queries.ts). */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;

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
  readonly table: dynamodb.Table;
  readonly eventBus: events.IEventBus;
  /** Stream batches the publisher gave up on, and events EventBridge rejected for good. */
  readonly deadLetterQueue: sqs.Queue;
  readonly alarmTopic: sns.ITopic;
  /** One function per enabled service, in the services' order (`pollerFunction(service)` finds one). */
  readonly pollers: lambda.Function[];
  readonly publisher: lambda.Function;
  readonly monitoring: AggregatorMonitoring;
  /** The events' schema registry, for consumers' code bindings (docs/events.md). */
  readonly eventSchemas: EventSchemas;
  /** Where fanned-out runs Lambda gave up on land; undefined unless `fanOutTargetsPerRun` is set. */
  readonly fanOutFailures: FanOutFailures | undefined;
  /** The enabled service ids. */
  readonly services: string[];
  /** The props with defaults applied, in the functions' units (TypeScript only: not part of a jsii API). */
  private readonly settings: ResolvedSettings;
  /** Undefined when no target is set: the hub watches its own account and region. */
  private readonly targets: HubTargets | undefined;
  private readonly pollerByService = new Map<ServiceId, lambda.Function>();
  private readonly props: JobStatusAggregatorProps;

  constructor(scope: Construct, id: string, props: JobStatusAggregatorProps = {}) {
    super(scope, id);
    this.props = props;
    this.settings = resolveSettings(props);
    this.targets = this.settings.targets && hubTargets(this, this.settings.targets);
    this.checkConstructProps(props);
    for (const warning of this.settings.warnings) {
      Annotations.of(this).addWarningV2(warning.id, warning.message);
    }
    this.services = [...this.settings.services];

    this.table = this.createTable();
    this.eventBus = this.settings.eventBus ?? this.createEventBus();
    this.alarmTopic = this.settings.alarmTopic ?? this.createAlarmTopic();
    this.fanOutFailures =
      this.targets?.fanOutTargetsPerRun !== undefined
        ? new FanOutFailures(this, 'FanOutFailures', this.alarmTopic)
        : undefined;

    const logGroups = new Map<ServiceId, logs.LogGroup>();
    for (const service of this.settings.services) {
      const { fn, logGroup } = this.createPoller(service);
      this.pollerByService.set(service, fn);
      logGroups.set(service, logGroup);
    }
    const pollers = this.pollerByService;
    this.pollers = [...pollers.values()];

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
   * A rule on the job bus for `Job Status Changed` events, in the style of CDK's `onEvent`: add targets to
   * the returned rule, or give `target`. Example: every failed HealthOmics job, to a function:
   * `aggregator.onJobStatusChanged('OmicsFailures', { services: ['healthomics'], statuses: ['FAILED'], target: new targets.LambdaFunction(fn) })`.
   */
  onJobStatusChanged(id: string, options: JobStatusChangedOptions = {}): events.Rule {
    return this.onJobEvent(id, DetailType.STATUS_CHANGED, options);
  }

  /** A rule on the job bus for `Job Stalled` events (no `terminalOnly`: a stalled job is running). */
  onJobStalled(id: string, options: JobStatusChangedOptions = {}): events.Rule {
    if (options.terminalOnly) throw new Error('onJobStalled: terminalOnly matches only status changes.');
    return this.onJobEvent(id, DetailType.STALLED, options);
  }

  /**
   * Lets `grantee` read the jobs table as the `job-status` command and the report do: GetItem and Query
   * on the table and on each of its indexes, nothing else (no Scan, no writes).
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...TABLE_READ_ACTIONS],
      resourceArns: [
        this.table.tableArn,
        ...JOBS_TABLE_SCHEMA.globalSecondaryIndexes.map(
          (index) => `${this.table.tableArn}/index/${index.indexName}`,
        ),
      ],
    });
  }

  /** The poller of one enabled service; throws for a service that is not deployed. */
  pollerFunction(service: string): lambda.IFunction {
    const fn = isServiceId(service) ? this.pollerByService.get(service) : undefined;
    if (!fn)
      throw new Error(
        `${JSON.stringify(service)} has no poller here; services: ${this.services.join(', ')}.`,
      );
    return fn;
  }

  /** Status transitions all pollers recorded: each becomes one event (default: sum per 5 minutes). */
  metricTransitions(options?: AggregatorMetricOptions): cloudwatch.Metric {
    return stackFigure(StackFigure.TRANSITIONS, options);
  }

  /** The pollers' AWS calls that failed after SDK retries, every kind and service (default: sum). */
  metricApiErrors(options?: AggregatorMetricOptions): cloudwatch.Metric {
    return stackFigure(StackFigure.API_ERRORS, options);
  }

  /** A hub's targets (account and region) that could not be polled in a run (default: sum). */
  metricTargetFailures(options?: AggregatorMetricOptions): cloudwatch.Metric {
    return stackFigure(StackFigure.TARGET_FAILURES, options);
  }

  /** Failed invocations of `service`'s poller: Lambda's own metric (default: sum per 5 minutes). */
  metricPollerErrors(service: string, options?: AggregatorMetricOptions): cloudwatch.Metric {
    checkService(service, this.services);
    return pollerFunctionMetrics(this.pollerFunction(service)).errors(options);
  }

  /** How long a run of `service`'s poller took: Lambda's own metric (default: p99 per 5 minutes). */
  metricPollerDuration(service: string, options?: AggregatorMetricOptions): cloudwatch.Metric {
    checkService(service, this.services);
    return pollerFunctionMetrics(this.pollerFunction(service)).duration(options);
  }

  /**
   * Jobs of `service` in `status` (a normalized status): the jobs in it as runs leave them for an active
   * status (maximum), the jobs that reached it for a final one (sum). Needs `jobCountMetrics`.
   */
  metricJobs(service: string, status: string, options?: AggregatorMetricOptions): cloudwatch.Metric {
    return jobCountFigure(service, status, this.services, options);
  }

  /** Events EventBridge accepted from the publisher (default: sum per 5 minutes). */
  metricEventsDelivered(options?: AggregatorMetricOptions): cloudwatch.Metric {
    return stackFigure(StackFigure.EVENTS_DELIVERED, options);
  }

  /** Stream records the publisher handed back to be tried again (default: sum per 5 minutes). */
  metricEventsRetried(options?: AggregatorMetricOptions): cloudwatch.Metric {
    return stackFigure(StackFigure.EVENTS_RETRIED, options);
  }

  /** Events EventBridge refused for good, sent to the dead-letter queue (default: sum per 5 minutes). */
  metricEventsDeadLettered(options?: AggregatorMetricOptions): cloudwatch.Metric {
    return stackFigure(StackFigure.EVENTS_DEAD_LETTERED, options);
  }

  /** Publisher invocations that failed (default: sum per 5 minutes). */
  metricPublisherErrors(options?: AggregatorMetricOptions): cloudwatch.Metric {
    return publisherMetrics(this.publisher, this.deadLetterQueue).errors(options);
  }

  /** How late events are: the stream records' age when the publisher got them, in ms (default: maximum). */
  metricPublisherIteratorAge(options?: AggregatorMetricOptions): cloudwatch.Metric {
    return publisherMetrics(this.publisher, this.deadLetterQueue).iteratorAge(options);
  }

  /** Messages waiting in the dead-letter queue (default: maximum per 5 minutes). */
  metricDeadLetters(options?: AggregatorMetricOptions): cloudwatch.Metric {
    return publisherMetrics(this.publisher, this.deadLetterQueue).deadLetters(options);
  }

  private onJobEvent(id: string, detailType: DetailType, options: JobStatusChangedOptions): events.Rule {
    const { target, eventPattern, services, statuses, terminalOnly, ...ruleOptions } = options;
    const rule = new events.Rule(this, id, {
      ...ruleOptions,
      eventBus: this.eventBus,
      description: ruleOptions.description ?? `${detailType} events from the job-status aggregator`,
      eventPattern: jobEventPattern({
        detailTypes: [detailType],
        ...(services && { services }),
        ...(statuses && { statuses }),
        ...(terminalOnly !== undefined && { terminalOnly }),
      }),
    });
    if (eventPattern) rule.addEventPattern(eventPattern);
    if (target) rule.addTarget(target);
    return rule;
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
    const bus = this.settings.eventBus;
    const region = Stack.of(this).region;
    const busRegion = bus?.env.region;
    if (busRegion && !Token.isUnresolved(busRegion) && !Token.isUnresolved(region) && busRegion !== region) {
      problems.push(
        `eventBus: ${bus.eventBusArn} is in ${busRegion} but this stack deploys to ${region}; PutEvents reaches buses of its own region only. Use a bus in ${region} (it can forward to ${busRegion} with a rule).`,
      );
    }
    if (this.targets?.hasMembers && bus !== undefined) {
      problems.push(
        `eventBus: with member accounts (targetAccounts other than this one, or organizationId) the hub creates its own bus, ${HUB_EVENT_BUS_NAME}, where the members forward their services' job events; leave eventBus unset.`,
      );
    }
    for (const [key, overrides] of [
      ['pollerFunctionProps', props.pollerFunctionProps],
      ['publisherFunctionProps', props.publisherFunctionProps],
    ] as const) {
      const reserved = Object.keys(overrides?.environment ?? {}).filter((name) => name.startsWith('JOBS_'));
      if (reserved.length > 0) {
        problems.push(
          `${key}.environment: ${reserved.join(', ')} are the aggregator's own settings; set them through its props.`,
        );
      }
    }
    if (problems.length > 0) throw new SettingsError(problems);
  }

  private createTable(): dynamodb.Table {
    const schema = JOBS_TABLE_SCHEMA;
    const retain = this.settings.tableRemovalPolicy === RemovalPolicy.RETAIN;
    const table = new dynamodb.Table(this, 'JobsTable', {
      ...this.props.tableProps,
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
      removalPolicy: this.settings.tableRemovalPolicy,
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

  private createEventBus(): events.IEventBus {
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

  private createAlarmTopic(): sns.ITopic {
    const { alarmEmails } = this.settings;
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Job status aggregator alarms',
      enforceSSL: true,
    });
    for (const email of alarmEmails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    return topic;
  }

  private createPoller(service: ServiceId): { fn: lambda.Function; logGroup: logs.LogGroup } {
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
                resources: locations.map(manifestObjectArn),
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
      acknowledge(policy, iam5Resource(nagResource(this, manifestObjectArn(l))), NagReasons.manifestPrefix);
    }

    const fanOut = this.fanOutFailures;
    const fn = new lambda.Function(this, id, {
      ...functionDefaults(pollerBundle(service)),
      description: `Polls ${entry.displayName} jobs every ${minutes} min${entry.nativeEvents ? ' and on native events' : ''}; records changes`,
      role,
      logGroup,
      memorySize:
        this.props.pollerFunctionProps?.memorySize ??
        (this.targets?.hasMembers ? HUB_POLLER_MEMORY_MB : POLLER_MEMORY_MB),
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
        // Last, so a user can tune Powertools; the JOBS_* settings are refused in checkConstructProps.
        ...this.props.pollerFunctionProps?.environment,
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

  private createPublisher(): lambda.Function {
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

    const fn = new lambda.Function(this, id, {
      ...functionDefaults(PUBLISHER_BUNDLE),
      description: 'Publishes job transitions and stalls from the table stream to EventBridge',
      role,
      logGroup,
      memorySize: this.props.publisherFunctionProps?.memorySize ?? 256,
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
        // Last, so a user can tune Powertools; the JOBS_* settings are refused in checkConstructProps.
        ...this.props.publisherFunctionProps?.environment,
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
      retention: this.settings.logRetention,
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

/** The objects under an `s3://` location as the member stacks grant them: `bucket/prefix/*`, or `bucket/*`. */
export function manifestObjects(location: S3Location): string {
  return `${location.bucket}/${location.prefix === '' ? '' : `${location.prefix}/`}*`;
}

/** The ARN of the objects under a manifest location: `prefix/*`, or `*` for a whole bucket (a token name works). */
function manifestObjectArn(location: ResolvedManifestLocation): string {
  return location.bucket.arnForObjects(location.prefix === '' ? '*' : `${location.prefix}/*`);
}

/** A manifest location as the HealthImaging adapter reads it: `s3://bucket/prefix`, whole path segments. */
function manifestUri(location: ResolvedManifestLocation): string {
  return `s3://${location.bucket.bucketName}${location.prefix === '' ? '' : `/${location.prefix}`}`;
}

/**
 * Shared by every function: Node.js 24 on Graviton, the code a prebuilt bundle (lib/lambda-code.ts), so
 * synth copies a folder and needs no esbuild or Docker.
 */
function functionDefaults(
  bundle: string,
): Pick<lambda.FunctionProps, 'code' | 'handler' | 'runtime' | 'architecture'> {
  return {
    code: bundleCode(bundle),
    handler: BUNDLE_HANDLER,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
  };
}

/** The job-count settings, written only where they differ from the functions' default (off). */
function jobCountsEnvironment({ mode, perTarget }: JobCountSettings): SettingsValues {
  if (mode === 'off') return {};
  return { jobCountMetrics: mode, ...(perTarget && { jobCountsPerTarget: true }) };
}
