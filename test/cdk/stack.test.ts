import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_FACTS, serviceFacts } from '../../lambdas/contract/services.js';
import { JOBS_TABLE_OUTPUT_NAME, JOBS_TABLE_SCHEMA } from '../../lambdas/contract/table-schema.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import {
  acknowledgements,
  actionsOf,
  bundleFileOf,
  bundleOf,
  type CfnResource,
  cfnLint,
  environmentOf,
  functionsByName,
  nagFindings,
  ofType,
  props,
  refId,
  roleStatements,
  type Synthesized,
  synthesize,
} from './support.js';

// Two configurations, each synthesized once (bundling runs esbuild for every function) and shared.
const DEFAULT_SERVICES: ServiceId[] = ['healthlake', 'healthimaging', 'healthomics', 'entityresolution'];
const ALL_SERVICES: ServiceId[] = [...DEFAULT_SERVICES, 'panorama'];
const CENTRAL_BUS = 'arn:aws:events:us-east-1:210987654321:event-bus/central-jobs';
const OPS_TOPIC = 'arn:aws:sns:us-east-1:123456789012:ops-alarms';

let defaults: Synthesized;
let custom: Synthesized;

beforeAll(() => {
  defaults = synthesize('Defaults', {});
  custom = synthesize(
    'Custom',
    (stack) => ({
      services: ALL_SERVICES,
      schedule: { healthlake: Duration.minutes(10) },
      eventBus: events.EventBus.fromEventBusArn(stack, 'CentralBus', CENTRAL_BUS),
      alarmTopic: sns.Topic.fromTopicArn(stack, 'OpsTopic', OPS_TOPIC),
      tableRemovalPolicy: RemovalPolicy.DESTROY,
      logRetention: logs.RetentionDays.THREE_MONTHS,
      historyRetention: Duration.days(365),
      imagingManifestLocations: [
        { bucket: s3.Bucket.fromBucketName(stack, 'ImagingOutput', 'imaging-output'), prefix: 'manifests/' },
        { bucket: s3.Bucket.fromBucketName(stack, 'SecondBucket', 'second-bucket') },
      ],
      stallAfter: { healthomics: Duration.minutes(0), healthlake: Duration.minutes(120) },
      keepProgressHistory: true,
      progressRefresh: Duration.minutes(0),
      dashboard: true,
      jobCountMetrics: 'nonzero',
      failedJobsAlarm: 2,
      failedJobsAlarmMinutes: 30,
    }),
    {
      customize: (stack) => {
        const queue = new sqs.Queue(stack, 'FailuresQueue', { enforceSSL: true });
        Validations.of(queue).acknowledge({
          id: 'AwsSolutions-SQS3',
          reason:
            'A subscriber queue the test adds to show subscribe(); its owner decides on its dead-letter queue.',
        });
        stack.aggregator.subscribe('FailedImports', {
          target: queue,
          services: ['healthlake', 'healthomics'],
          statuses: ['FAILED', 'SUCCEEDED_WITH_ERRORS'],
        });
      },
    },
  );
}, 180_000);

afterAll(() => {
  for (const synth of [defaults, custom]) if (synth) rmSync(synth.outdir, { recursive: true, force: true });
});

/** The expected role of every poller: its own service's list/describe calls, the table, its own logs. */
const POLLER_ACTIONS: Record<ServiceId, string[]> = {
  healthlake: [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'healthlake:DescribeFHIRImportJob',
    'healthlake:ListFHIRDatastores',
    'healthlake:ListFHIRImportJobs',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
  ],
  healthimaging: [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'medical-imaging:GetDICOMImportJob',
    'medical-imaging:ListDICOMImportJobs',
    'medical-imaging:ListDatastores',
  ],
  healthomics: [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'omics:GetReferenceImportJob',
    'omics:ListReferenceImportJobs',
    'omics:ListReferenceStores',
  ],
  entityresolution: [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'entityresolution:GetIdMappingJob',
    'entityresolution:ListIdMappingJobs',
    'entityresolution:ListIdMappingWorkflows',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
  ],
  panorama: [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'panorama:DescribePackageImportJob',
    'panorama:ListPackageImportJobs',
  ],
};

const PUBLISHER_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
  // The history items, stored from the current items' writes.
  'dynamodb:PutItem',
  'events:PutEvents',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'sqs:SendMessage',
];

const CLIENT_PACKAGES: Record<string, string> = {
  healthlake: '@aws-sdk/client-healthlake',
  healthimaging: '@aws-sdk/client-medical-imaging',
  healthomics: '@aws-sdk/client-omics',
  entityresolution: '@aws-sdk/client-entityresolution',
  panorama: '@aws-sdk/client-panorama',
  eventbridge: '@aws-sdk/client-eventbridge',
  sqs: '@aws-sdk/client-sqs',
};

function poller(synth: Synthesized, service: ServiceId): [string, Record<string, unknown>] {
  const found = functionsByName(synth.resources).get(`job-poller-${service}`);
  if (!found) throw new Error(`no ${service} poller`);
  return found;
}

function publisher(synth: Synthesized): [string, Record<string, unknown>] {
  const found = functionsByName(synth.resources).get('job-status-publisher');
  if (!found) throw new Error('no publisher');
  return found;
}

function rulesTargeting(synth: Synthesized, functionId: string): Record<string, unknown>[] {
  return ofType(synth.resources, 'AWS::Events::Rule')
    .map(([, rule]) => props(rule))
    .filter((rule) =>
      (rule.Targets as { Arn: unknown }[]).some((target) => {
        try {
          return refId(target.Arn) === functionId;
        } catch {
          return false;
        }
      }),
    );
}

function tableId(synth: Synthesized): string {
  const [table] = ofType(synth.resources, 'AWS::DynamoDB::Table');
  if (!table) throw new Error('no table');
  return table[0];
}

describe('functions', () => {
  it('deploys one poller per enabled service and the publisher: Node.js 24 on ARM, bundled as ESM', () => {
    // Assess
    const names = [...functionsByName(defaults.resources).keys()].sort();
    expect(names).toEqual([...DEFAULT_SERVICES.map((s) => `job-poller-${s}`), 'job-status-publisher'].sort());
    for (const [, fn] of functionsByName(custom.resources).values()) {
      expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
    }
    expect(functionsByName(custom.resources).size).toBe(ALL_SERVICES.length + 1);
  });

  it('never overlaps two runs of one poller, and stops starting work well before the timeout', () => {
    for (const service of DEFAULT_SERVICES) {
      // Act
      const [id, fn] = poller(defaults, service);
      const env = environmentOf(fn);

      // Assess
      expect(fn.ReservedConcurrentExecutions).toBe(1);
      expect(fn.Timeout).toBe(300);
      expect(Number(env.JOBS_SAFETY_MARGIN_MS)).toBeGreaterThanOrEqual(
        Number(env.JOBS_SDK_MAX_ATTEMPTS) * Number(env.JOBS_SDK_REQUEST_TIMEOUT_MS),
      );
      expect(Number(env.JOBS_SAFETY_MARGIN_MS)).toBeLessThan((Number(fn.Timeout) * 1000) / 2);
      defaults.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id },
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 3600,
      });
    }
  });

  it('gives each poller the environment its handler reads', () => {
    // Act
    const [, healthlake] = poller(defaults, 'healthlake');
    const [, entityresolution] = poller(defaults, 'entityresolution');

    // Assess
    expect(environmentOf(healthlake)).toEqual({
      JOBS_TABLE_NAME: { Ref: tableId(defaults) },
      JOBS_SCHEDULE_SECONDS: '300',
      JOBS_FULL_SWEEP_SECONDS: '21600',
      JOBS_RECENT_WINDOW_SECONDS: '3600',
      JOBS_PROGRESS_REFRESH_SECONDS: '300',
      JOBS_CONCURRENCY: '4',
      JOBS_SAFETY_MARGIN_MS: '60000',
      JOBS_SDK_MAX_ATTEMPTS: '4',
      JOBS_SDK_REQUEST_TIMEOUT_MS: '10000',
      JOBS_STALL_AFTER_SECONDS: '3600',
      JOBS_HISTORY_RETENTION_DAYS: '90',
      JOBS_PROGRESS_INTERVAL_SECONDS: '300',
      JOBS_KEEP_PROGRESS_HISTORY: 'false',
      POWERTOOLS_SERVICE_NAME: 'job-poller-healthlake',
      POWERTOOLS_METRICS_NAMESPACE: 'JobStatusAggregator',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(environmentOf(entityresolution)).toMatchObject({
      JOBS_SCHEDULE_SECONDS: '120',
      JOBS_RECENT_WINDOW_SECONDS: '3600',
    });
    // No manifest locations: the variable is absent and the role has no S3 action (see the role tests).
    expect(environmentOf(poller(defaults, 'healthimaging')[1])).not.toHaveProperty(
      'JOBS_IMAGING_MANIFEST_LOCATIONS',
    );
  });

  it('passes the settings through: schedule, retention, stall thresholds, progress history, manifests', () => {
    // Act
    const healthlake = environmentOf(poller(custom, 'healthlake')[1]);
    const healthomics = environmentOf(poller(custom, 'healthomics')[1]);
    const healthimaging = environmentOf(poller(custom, 'healthimaging')[1]);

    // Assess
    expect(healthlake).toMatchObject({
      JOBS_SCHEDULE_SECONDS: '600',
      JOBS_RECENT_WINDOW_SECONDS: '3600',
      JOBS_STALL_AFTER_SECONDS: '7200',
      JOBS_HISTORY_RETENTION_DAYS: '365',
      JOBS_KEEP_PROGRESS_HISTORY: 'true',
    });
    expect(healthomics.JOBS_STALL_AFTER_SECONDS).toBe('off');
    // Progress refreshes off: no describe for progress alone (the defaults' environment has no limit).
    expect(healthomics.JOBS_PROGRESS_REFRESH_LIMIT).toBe('0');
    expect(healthimaging.JOBS_IMAGING_MANIFEST_LOCATIONS).toBe(
      's3://imaging-output/manifests,s3://second-bucket',
    );
    expect(healthlake.JOBS_COUNT_METRICS).toBe('nonzero');
  });

  it('bundles in each poller only its own service client (the SDK is bundled, not the runtime copy)', () => {
    for (const service of ALL_SERVICES) {
      // Act
      const bundle = bundleOf(custom, poller(custom, service)[1]);
      const clients = Object.entries(CLIENT_PACKAGES)
        .filter(([, pkg]) => bundle.includes(`"${pkg}"`))
        .map(([name]) => name);

      // Assess
      expect(clients, service).toEqual([service]);
      expect(bundle.startsWith("import { createRequire as __cr } from 'node:module'")).toBe(true);
    }
    const publisherClients = Object.entries(CLIENT_PACKAGES)
      .filter(([, pkg]) => bundleOf(custom, publisher(custom)[1]).includes(`"${pkg}"`))
      .map(([name]) => name);
    expect(publisherClients).toEqual(['eventbridge', 'sqs']);
  });

  it('loads every bundle with the environment the stack sets: the handlers accept each value at cold start', () => {
    for (const synth of [defaults, custom]) {
      for (const [name, [, fn]] of functionsByName(synth.resources)) {
        // Prepare: CloudFormation references become the values they resolve to.
        const resolved: Record<string, string> = {
          JOBS_TABLE_NAME: 'Jobs-JobsTable-1ABC',
          JOBS_EVENT_BUS_NAME: 'arn:aws:events:us-east-1:123456789012:event-bus/Jobs-EventBus-1ABC',
          JOBS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/Jobs-DeadLetterQueue-1ABC',
        };
        const env = Object.fromEntries(
          Object.entries(environmentOf(fn)).map(([key, value]) => [
            key,
            typeof value === 'string' ? value : resolved[key],
          ]),
        );

        // Act
        const result = spawnSync(
          process.execPath,
          [
            '--no-warnings',
            '--input-type=module',
            '-e',
            `const m = await import(${JSON.stringify(bundleFileOf(synth, fn))}); if (typeof m.handler !== 'function') process.exit(3);`,
          ],
          {
            env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', ...env },
            encoding: 'utf8',
            timeout: 30_000,
          },
        );

        // Assess
        expect(result.status, `${name}: ${result.stderr}`).toBe(0);
      }
    }
  });

  it('creates every log group with the retention setting, and points each function at its own', () => {
    // Assess
    for (const synth of [defaults, custom]) {
      const groups = ofType(synth.resources, 'AWS::Logs::LogGroup');
      const functions = [...functionsByName(synth.resources).values()];
      expect(groups).toHaveLength(functions.length);
      const expected = synth === defaults ? 30 : 90;
      for (const [, group] of groups) expect(props(group).RetentionInDays).toBe(expected);
      const used = functions.map(([, fn]) => refId((fn.LoggingConfig as { LogGroup: unknown }).LogGroup));
      expect(new Set(used).size).toBe(functions.length);
    }
  });
});

describe('schedules and native events', () => {
  it('runs each poller on its own rate with {"kind":"poll"}', () => {
    const expected: [Synthesized, ServiceId, string][] = [
      [defaults, 'healthlake', 'rate(5 minutes)'],
      [defaults, 'healthimaging', 'rate(5 minutes)'],
      [defaults, 'healthomics', 'rate(5 minutes)'],
      [defaults, 'entityresolution', 'rate(2 minutes)'],
      [custom, 'healthlake', 'rate(10 minutes)'],
      [custom, 'panorama', 'rate(5 minutes)'],
    ];
    for (const [synth, service, rate] of expected) {
      // Act
      const [id] = poller(synth, service);
      const schedules = rulesTargeting(synth, id).filter((rule) => rule.ScheduleExpression);

      // Assess
      expect(schedules, service).toHaveLength(1);
      expect(schedules[0]).toMatchObject({
        ScheduleExpression: rate,
        State: 'ENABLED',
        Targets: [{ Input: JSON.stringify({ kind: 'poll' }) }],
      });
    }
  });

  it('routes HealthLake, HealthImaging and HealthOmics import-job events from the default bus, unchanged', () => {
    for (const service of ALL_SERVICES) {
      // Act
      const [id] = poller(custom, service);
      const native = rulesTargeting(custom, id).filter((rule) => rule.EventPattern);
      const spec = serviceFacts(service).nativeEvents;

      // Assess
      if (!spec) {
        expect(native, service).toEqual([]);
        continue;
      }
      expect(native, service).toHaveLength(1);
      expect(native[0]?.EventBusName).toBeUndefined(); // the default bus
      expect(native[0]?.EventPattern).toEqual({
        source: [spec.source],
        'detail-type': [...spec.detailTypes],
      });
      const targets = native[0]?.Targets as Record<string, unknown>[];
      expect(targets).toHaveLength(1);
      expect(targets[0]).not.toHaveProperty('Input');
      expect(targets[0]).not.toHaveProperty('InputTransformer');
    }
    expect(
      SERVICE_FACTS.filter((facts) => facts.nativeEvents)
        .map((facts) => facts.id)
        .sort(),
    ).toEqual(['healthimaging', 'healthlake', 'healthomics']);
  });
});

describe('least privilege', () => {
  it('gives every role exactly its actions: own service, table, own logs; the publisher its stream, bus and queue', () => {
    for (const synth of [defaults, custom]) {
      const services = synth === defaults ? DEFAULT_SERVICES : ALL_SERVICES;
      const roles = ofType(synth.resources, 'AWS::IAM::Role').map(([id]) => id);
      expect(roles).toHaveLength(services.length + 1);
      for (const service of services) {
        // Act
        const roleId = refId(poller(synth, service)[1].Role);
        const expected = [...POLLER_ACTIONS[service]];
        if (synth === custom && service === 'healthimaging') expected.push('s3:GetObject');

        // Assess
        expect(actionsOf(roleStatements(synth.resources, roleId)), service).toEqual(expected.sort());
      }
      expect(actionsOf(roleStatements(synth.resources, refId(publisher(synth)[1].Role)))).toEqual(
        PUBLISHER_ACTIONS,
      );
    }
  });

  it('scopes table actions to the table and Query to its indexes, and logs to the function’s own group', () => {
    // Act
    const [, fn] = poller(defaults, 'healthomics');
    const statements = roleStatements(defaults.resources, refId(fn.Role));
    const table = tableId(defaults);

    // Assess
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      Resource: { 'Fn::GetAtt': [table, 'Arn'] },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'dynamodb:Query',
      Resource: JOBS_TABLE_SCHEMA.globalSecondaryIndexes.map((index) => ({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, `/index/${index.indexName}`]],
      })),
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [refId((fn.LoggingConfig as { LogGroup: unknown }).LogGroup), 'Arn'] },
    });
  });

  it('lets HealthImaging read manifests only under the configured prefixes', () => {
    // Act
    const statements = roleStatements(custom.resources, refId(poller(custom, 'healthimaging')[1].Role));

    // Assess
    expect(statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')))).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::imaging-output/manifests/*']] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::second-bucket/*']] },
        ],
      },
    ]);
  });

  it('gives the publisher PutEvents on the one bus and SendMessage on its dead-letter queue only', () => {
    // Act
    const statements = roleStatements(custom.resources, refId(publisher(custom)[1].Role));
    const queue = ofType(custom.resources, 'AWS::SQS::Queue').find(([id]) => id.includes('DeadLetter'));

    // Assess
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'events:PutEvents', Resource: CENTRAL_BUS });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': [queue?.[0], 'Arn'] },
    });
    expect(environmentOf(publisher(custom)[1]).JOBS_EVENT_BUS_NAME).toBe(CENTRAL_BUS);
  });

  it('has no wildcard action and no managed policy anywhere', () => {
    for (const synth of [defaults, custom]) {
      const statements = ofType(synth.resources, 'AWS::IAM::Policy').flatMap(
        ([, policy]) =>
          (props(policy).PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
      );
      expect(actionsOf(statements as never).filter((action) => action.includes('*'))).toEqual([]);
      for (const [, role] of ofType(synth.resources, 'AWS::IAM::Role')) {
        expect(props(role).ManagedPolicyArns).toBeUndefined();
      }
    }
  });
});

describe('the jobs table', () => {
  it('is built from the store’s schema: keys, indexes, TTL, stream', () => {
    // Assess
    defaults.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: JOBS_TABLE_SCHEMA.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: JOBS_TABLE_SCHEMA.sortKey.name, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: JOBS_TABLE_SCHEMA.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      TimeToLiveSpecification: { AttributeName: JOBS_TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
      StreamSpecification: { StreamViewType: JOBS_TABLE_SCHEMA.streamViewType },
    });
  });

  it('is encrypted with KMS, has point-in-time recovery, and is retained and deletion-protected by default', () => {
    // Assess
    defaults.template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    custom.template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
      DeletionPolicy: 'Delete',
    });
  });
});

describe('the publisher', () => {
  it('reads the stream in bounded, bisecting batches, passes only current-item writes, and dead-letters', () => {
    // Act
    const [fnId] = publisher(defaults);
    const queue = ofType(defaults.resources, 'AWS::SQS::Queue');

    // Assess
    expect(queue).toHaveLength(1);
    defaults.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    defaults.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      EventSourceArn: { 'Fn::GetAtt': [tableId(defaults), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 21600,
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue[0]?.[0], 'Arn'] } } },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT', 'MODIFY'],
              dynamodb: { NewImage: { sk: { S: ['CURRENT'] } } },
            }),
          },
        ],
      },
    });
  });

  it('has an encrypted, TLS-only dead-letter queue that keeps messages 14 days and takes 1 MiB letters', () => {
    // Act
    const [[queueId, queue] = ['', {} as CfnResource]] = ofType(defaults.resources, 'AWS::SQS::Queue');

    // Assess
    expect(props(queue)).toEqual({
      MessageRetentionPeriod: 14 * 86400,
      MaximumMessageSize: 1_048_576,
      SqsManagedSseEnabled: true,
    });
    defaults.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
    expect(environmentOf(publisher(defaults)[1])).toMatchObject({
      JOBS_DLQ_URL: { Ref: queueId },
      JOBS_EVENT_BUS_NAME: {
        'Fn::GetAtt': [ofType(defaults.resources, 'AWS::Events::EventBus')[0]?.[0], 'Arn'],
      },
    });
  });
});

describe('event bus, alarms, dashboard, outputs', () => {
  it('creates a custom bus by default and none when an existing one is named', () => {
    // Assess
    defaults.template.resourceCountIs('AWS::Events::EventBus', 1);
    custom.template.resourceCountIs('AWS::Events::EventBus', 0);
  });

  it('alarms on every function’s errors, the pollers’ failed calls, dead letters and publisher lag', () => {
    // Act
    const alarms = ofType(defaults.resources, 'AWS::CloudWatch::Alarm').map(([, alarm]) => props(alarm));
    const [topicId] = ofType(defaults.resources, 'AWS::SNS::Topic')[0] ?? [''];
    const on = (metric: string, dimension: unknown) =>
      alarms.filter(
        (a) =>
          a.MetricName === metric &&
          JSON.stringify(a.Dimensions).includes(JSON.stringify(dimension).slice(1, -1)),
      );

    // Assess
    expect(alarms).toHaveLength(DEFAULT_SERVICES.length + 4);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
    for (const [, [fnId]] of functionsByName(defaults.resources)) {
      expect(on('Errors', { Ref: fnId }), fnId).toHaveLength(1);
    }
    expect(on('ApiErrors', { Name: 'service', Value: 'job-status-aggregator' })).toEqual([
      expect.objectContaining({
        Namespace: 'JobStatusAggregator',
        Dimensions: [{ Name: 'service', Value: 'job-status-aggregator' }],
        Statistic: 'Sum',
        EvaluationPeriods: 3,
      }),
    ]);
    expect(on('IteratorAge', { Ref: publisher(defaults)[0] })).toEqual([
      expect.objectContaining({ Statistic: 'Maximum', Threshold: 300_000, EvaluationPeriods: 2 }),
    ]);
    expect(alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toEqual([
      expect.objectContaining({ Namespace: 'AWS/SQS', Threshold: 1 }),
    ]);
  });

  it('watches only its own account and region without targets: nothing of the hub–member setup appears', () => {
    for (const synth of [defaults, custom]) {
      // Act
      const template = JSON.stringify(synth.template.toJSON());

      // Assess
      for (const [, [, fn]] of functionsByName(synth.resources)) {
        expect(Object.keys(environmentOf(fn))).not.toContain('JOBS_TARGETS');
        expect(Object.keys(environmentOf(fn))).not.toContain('JOBS_MEMBER_ROLE_NAME');
      }
      for (const [roleId, role] of ofType(synth.resources, 'AWS::IAM::Role')) {
        expect(props(role).RoleName).toBeUndefined();
        expect(actionsOf(roleStatements(synth.resources, roleId))).not.toContain('sts:AssumeRole');
      }
      synth.template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
      expect(template).not.toContain('TargetFailures');
      for (const [, bus] of ofType(synth.resources, 'AWS::Events::EventBus')) {
        expect(props(bus).Name).not.toBe('job-status-aggregator');
      }
    }
  });

  it('sends alarms to an existing topic when one is named, and subscribes alarm emails to a new one', () => {
    // Act
    const alarms = ofType(custom.resources, 'AWS::CloudWatch::Alarm').map(([, alarm]) => props(alarm));

    // Assess
    custom.template.resourceCountIs('AWS::SNS::Topic', 0);
    // With jobCountMetrics and failedJobsAlarm: one failed-jobs alarm per service besides the rest.
    expect(alarms).toHaveLength(ALL_SERVICES.length * 2 + 4);
    for (const service of ALL_SERVICES) {
      expect(alarms).toContainEqual(
        expect.objectContaining({
          MetricName: 'FinishedJobs',
          Dimensions: expect.arrayContaining([
            { Name: 'jobService', Value: service },
            { Name: 'status', Value: 'FAILED' },
          ]),
          Period: 1800,
          Threshold: 2,
        }),
      );
    }
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([OPS_TOPIC]);
    defaults.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
  });

  it('has a dashboard only when asked for, with jobs by status, the job counts and the publisher', () => {
    // Act
    const [[, dashboard] = ['', {} as CfnResource]] = ofType(custom.resources, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(props(dashboard).DashboardBody);

    // Assess
    defaults.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(body).toContain('Jobs by status per service');
    expect(body).toContain('stats count(*) as jobs by jobService, currentStatus');
    expect(body).toContain('Poll runs per service');
    expect(body).toContain(
      '{JobStatusAggregator,service,jobService,status} MetricName=\\\\\\"ActiveJobs\\\\\\"',
    );
    expect(body).toContain(
      '{JobStatusAggregator,service,jobService,status} MetricName=\\\\\\"FinishedJobs\\\\\\"',
    );
    for (const metric of [
      'Transitions',
      'ApiErrors',
      'EventsDelivered',
      'EventsRetried',
      'EventsDeadLettered',
    ]) {
      expect(body).toContain(
        `\\"JobStatusAggregator\\",\\"${metric}\\",\\"service\\",\\"job-status-aggregator\\"`,
      );
    }
  });

  it('outputs the table name (as JobsTableName), the bus, the dead-letter queue and the dashboard URL', () => {
    // Act
    const outputs = custom.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const withoutDashboard = defaults.template.toJSON().Outputs as Record<string, unknown>;

    // Assess
    expect(JOBS_TABLE_OUTPUT_NAME).toBe('JobsTableName');
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AlarmTopicArn',
        'DashboardUrl',
        'DeadLetterQueueArn',
        'DeadLetterQueueUrl',
        'EventBusArn',
        'EventBusName',
        'JobsTableName',
      ].sort(),
    );
    expect(outputs.JobsTableName?.Value).toEqual({ Ref: tableId(custom) });
    expect(Object.keys(withoutDashboard)).not.toContain('DashboardUrl');
    expect(JSON.stringify(outputs.DashboardUrl?.Value)).toContain('#dashboards/dashboard/');
  });
});

describe('subscribe', () => {
  it('adds a rule on the job bus for the chosen services and statuses, sending to the target', () => {
    // Assess
    custom.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'central-jobs',
      EventPattern: {
        source: ['job-status-aggregator'],
        'detail-type': ['Job Status Changed'],
        detail: { service: ['healthlake', 'healthomics'], status: ['FAILED', 'SUCCEEDED_WITH_ERRORS'] },
      },
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FailuresQueue'), 'Arn'] } }),
      ],
    });
  });
});

describe('warnings', () => {
  it('warns at synth time that AWS ended Panorama support, only when Panorama is enabled', () => {
    // Assess
    Annotations.fromStack(custom.stack).hasWarning(
      '/Custom/Aggregator',
      Match.stringLikeRegexp('AWS ended support for AWS Panorama on 2026-05-31'),
    );
    expect(Annotations.fromStack(defaults.stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(serviceFacts('panorama').enabledByDefault).toBe(false);
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('has no unacknowledged finding', () => {
    // Assess
    expect(nagFindings(defaults.stack)).toEqual([]);
    expect(nagFindings(custom.stack)).toEqual([]);
  });

  it('acknowledges only findings that exist, each on its own resource and with a written reason', () => {
    for (const synth of [defaults, custom]) {
      // Act
      const findings = nagFindings(synth.stack, true);
      const acknowledged = acknowledgements(synth.stack);

      // Assess
      const key = (f: { rule: string; path: string }) => `${f.rule} @ ${f.path}`;
      expect(acknowledged.map(key).sort()).toEqual(findings.map(key).sort());
      for (const ack of acknowledged) expect(ack.reason.length, key(ack)).toBeGreaterThan(60);
      // No wildcard is acknowledged stack-wide: every acknowledgement sits on one resource.
      expect(acknowledged.every((ack) => ack.path.split('/').length > 2)).toBe(true);
    }
  });
});

describe('cfn-lint', () => {
  it('finds no errors in the synthesized templates', () => {
    // Act
    const result = cfnLint([defaults.template.toJSON(), custom.template.toJSON()]);

    // Assess
    expect(result.status & 2, result.output).toBe(0);
  }, 60_000);
});
