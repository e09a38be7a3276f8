import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { JOBS_TABLE_SCHEMA } from '../../lambdas/contract/table-schema.js';
import { JobStatusAggregator, type JobStatusAggregatorProps } from '../../lib/job-status-aggregator.js';
import { SettingsError } from '../../lib/settings.js';
import {
  CDK_JSON_CONTEXT,
  type CfnResource,
  cfnLint,
  environmentOf,
  nagFindings,
  ofType,
  props,
} from './support.js';

/** The construct's surface for embedding apps: grants, metrics, rules in CDK's style, overrides, tokens. */

function embed(
  aggregatorProps: JobStatusAggregatorProps | ((stack: Stack) => JobStatusAggregatorProps) = {},
) {
  const stack = new Stack(new App({ context: CDK_JSON_CONTEXT }), 'Embedding');
  const built = typeof aggregatorProps === 'function' ? aggregatorProps(stack) : aggregatorProps;
  const aggregator = new JobStatusAggregator(stack, 'Jobs', built);
  return { stack, aggregator };
}

function resourcesOf(stack: Stack): Record<string, CfnResource> {
  return Template.fromStack(stack).toJSON().Resources as Record<string, CfnResource>;
}

let stack: Stack;
let aggregator: JobStatusAggregator;
beforeAll(() => {
  ({ stack, aggregator } = embed({ services: ['healthlake', 'healthomics'] }));
});

describe('grantRead', () => {
  it('grants GetItem and Query on the table and each of its indexes, nothing else', () => {
    // Prepare
    const analyst = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });

    // Act
    aggregator.grantRead(analyst);

    // Assess
    const policies = ofType(resourcesOf(stack), 'AWS::IAM::Policy').filter(([, policy]) =>
      JSON.stringify(props(policy).Roles).includes('Analyst'),
    );
    expect(policies).toHaveLength(1);
    const statements = (props(policies[0]?.[1]).PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    const resources = JSON.stringify(statements[0]?.Resource);
    for (const index of JOBS_TABLE_SCHEMA.globalSecondaryIndexes) {
      expect(resources).toContain(`/index/${index.indexName}`);
    }
    expect(resources).not.toContain('*');
  });
});

describe('metric methods', () => {
  it('give the stack-wide health figures, with CDK’s defaults and overrides', () => {
    // Act
    const transitions = aggregator.metricTransitions();
    const hourly = aggregator.metricApiErrors({ period: Duration.hours(1) });
    const delivered = aggregator.metricEventsDelivered();

    // Assess
    expect(transitions.namespace).toBe('JobStatusAggregator');
    expect(transitions.metricName).toBe('Transitions');
    expect(transitions.dimensions).toEqual({ service: 'job-status-aggregator' });
    expect(transitions.statistic).toBe('Sum');
    expect(transitions.period.toSeconds()).toBe(300);
    expect(hourly.metricName).toBe('ApiErrors');
    expect(hourly.period.toSeconds()).toBe(3600);
    expect(delivered.metricName).toBe('EventsDelivered');
  });

  it('give a poller’s own Lambda figures and the job counts per service and status', () => {
    // Act
    const errors = aggregator.metricPollerErrors('healthlake');
    const duration = aggregator.metricPollerDuration('healthomics');
    const running = aggregator.metricJobs('healthlake', 'RUNNING');
    const failed = aggregator.metricJobs('healthomics', 'FAILED');

    // Assess
    expect([errors.namespace, errors.metricName, errors.statistic]).toEqual(['AWS/Lambda', 'Errors', 'Sum']);
    expect([duration.metricName, duration.statistic]).toEqual(['Duration', 'p99']);
    expect([running.metricName, running.statistic]).toEqual(['ActiveJobs', 'Maximum']);
    expect(running.dimensions).toEqual({
      service: 'job-status-aggregator',
      jobService: 'healthlake',
      status: 'RUNNING',
    });
    expect([failed.metricName, failed.statistic]).toEqual(['FinishedJobs', 'Sum']);
    expect(() => aggregator.metricJobs('healthlake', 'DONE')).toThrow(
      /"DONE" is not a normalized job status/,
    );
  });

  it('give the publisher’s figures: errors, iterator age and the dead-letter queue depth', () => {
    // Act
    const errors = aggregator.metricPublisherErrors();
    const age = aggregator.metricPublisherIteratorAge();
    const dead = aggregator.metricDeadLetters();

    // Assess
    expect([errors.namespace, errors.metricName]).toEqual(['AWS/Lambda', 'Errors']);
    expect([age.metricName, age.statistic]).toEqual(['IteratorAge', 'Maximum']);
    expect([dead.namespace, dead.metricName]).toEqual(['AWS/SQS', 'ApproximateNumberOfMessagesVisible']);
    expect(Object.keys(age.dimensions ?? {})).toEqual(['FunctionName']);
  });

  it('refuses a service that has no poller here, naming the ones that do', () => {
    // Assess
    expect(() => aggregator.metricPollerErrors('panorama')).toThrow(
      /panorama is not among this aggregator's services \(healthlake, healthomics\)/,
    );
    expect(() => aggregator.metricJobs('glacier', 'FAILED')).toThrow(/"glacier" is not a service/);
    expect(() => aggregator.pollerFunction('panorama')).toThrow(/has no poller here/);
    expect(aggregator.pollerFunction('healthlake')).toBe(aggregator.pollers[0]);
  });
});

describe('onJobStatusChanged and onJobStalled', () => {
  it('add rules on the job bus in CDK’s onEvent style: a target now or later, an extra pattern', () => {
    // Prepare
    const local = embed();
    const queue = sqs.Queue.fromQueueArn(local.stack, 'Queue', 'arn:aws:sqs:us-east-1:123456789012:q');
    const topic = sns.Topic.fromTopicArn(local.stack, 'Topic', 'arn:aws:sns:us-east-1:123456789012:t');

    // Act
    const failures = local.aggregator.onJobStatusChanged('Failures', {
      services: ['healthomics'],
      statuses: ['FAILED'],
      target: new targets.SqsQueue(queue),
      ruleName: 'omics-failures',
    });
    const stalls = local.aggregator.onJobStalled('Stalls', { eventPattern: { account: ['123456789012'] } });
    stalls.addTarget(new targets.SnsTopic(topic));

    // Assess
    const template = Template.fromStack(local.stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'omics-failures',
      EventPattern: {
        source: ['job-status-aggregator'],
        'detail-type': ['Job Status Changed'],
        detail: { service: ['healthomics'], status: ['FAILED'] },
      },
      Targets: [{ Arn: 'arn:aws:sqs:us-east-1:123456789012:q' }],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['Job Stalled'], account: ['123456789012'] },
      Targets: [{ Arn: 'arn:aws:sns:us-east-1:123456789012:t' }],
    });
    expect(failures.node.scope).toBe(local.aggregator);
    expect(() => local.aggregator.onJobStatusChanged('Bad', { statuses: ['DONE'] })).toThrow(
      /statuses has "DONE"; allowed: QUEUED/,
    );
    expect(() => local.aggregator.onJobStalled('BadStall', { terminalOnly: true })).toThrow(/terminalOnly/);
  });
});

describe('override props', () => {
  it('tune the table and the functions, and keep the aggregator’s own settings its own', () => {
    // Act
    const local = embed({
      services: ['healthlake'],
      tableProps: {
        tableClass: dynamodb.TableClass.STANDARD_INFREQUENT_ACCESS,
        contributorInsightsSpecification: { enabled: true },
      },
      pollerFunctionProps: { memorySize: 1024, environment: { POWERTOOLS_LOG_LEVEL: 'DEBUG' } },
      publisherFunctionProps: { memorySize: 512 },
    });
    const refused = () =>
      embed({ pollerFunctionProps: { environment: { JOBS_TABLE_NAME: 'other', EXTRA: 'yes' } } });

    // Assess
    const resources = resourcesOf(local.stack);
    const [table] = ofType(resources, 'AWS::DynamoDB::Table');
    expect(props(table?.[1]).TableClass).toBe('STANDARD_INFREQUENT_ACCESS');
    expect(props(table?.[1]).ContributorInsightsSpecification).toEqual({ Enabled: true });
    const functions = ofType(resources, 'AWS::Lambda::Function').map(([, fn]) => fn);
    const poller = functions.find((fn) => 'JOBS_TABLE_NAME' in environmentOf(props(fn)));
    const publisher = functions.find((fn) => 'JOBS_EVENT_BUS_NAME' in environmentOf(props(fn)));
    expect(props(poller).MemorySize).toBe(1024);
    expect(environmentOf(props(poller)).POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    expect(props(publisher).MemorySize).toBe(512);
    expect(refused).toThrow(SettingsError);
    expect(refused).toThrow(
      /pollerFunctionProps\.environment: JOBS_TABLE_NAME are the aggregator's own settings/,
    );
  });
});

describe('tokens', () => {
  it('synthesize where a bucket name, a prefix and a topic ARN resolve only at deploy time', () => {
    // Act
    const local = embed((scope): JobStatusAggregatorProps => {
      const text = (id: string) => new CfnParameter(scope, id, { type: 'String' }).valueAsString;
      // IBucket's optional members differ from the class's only under exactOptionalPropertyTypes.
      const owned = new s3.Bucket(scope, 'Owned', { enforceSSL: true }) as unknown as s3.IBucket;
      return {
        services: ['healthimaging'],
        imagingManifestLocations: [
          { bucket: s3.Bucket.fromBucketName(scope, 'Manifests', text('ManifestBucket')), prefix: 'out' },
          { bucket: owned, prefix: text('OwnedPrefix') },
        ],
        alarmTopic: sns.Topic.fromTopicArn(scope, 'Alarms', text('AlarmTopicArn')),
      };
    });

    // Assess: the IAM5 acknowledgement names each token resource exactly, so no finding is left.
    const findings = nagFindings(local.stack).filter((finding) => !finding.path.includes('/Owned/'));
    expect(findings).toEqual([]);
    const template = Template.fromStack(local.stack).toJSON();
    expect(JSON.stringify(template)).toContain('"Ref":"ManifestBucket"');
    const lint = cfnLint([template]);
    expect(lint.status & 2, lint.output).toBe(0);
  });
});
