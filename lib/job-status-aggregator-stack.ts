import { Aws, CfnCondition, CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { JOBS_TABLE_OUTPUT_NAME } from '../lambdas/contract/table-schema.js';
import { JobStatusAggregator, type JobStatusAggregatorProps } from './job-status-aggregator.js';

export interface JobStatusAggregatorStackProps extends StackProps {
  /** The aggregator's props. */
  readonly settings?: JobStatusAggregatorProps;
}

/** The project's stack: the aggregator with its settings, and the outputs operators and the CLI read. */
export class JobStatusAggregatorStack extends Stack {
  readonly aggregator: JobStatusAggregator;

  constructor(scope: Construct, id: string, props: JobStatusAggregatorStackProps = {}) {
    const { settings, ...stackProps } = props;
    super(scope, id, {
      description:
        'Job-status aggregator: polls AWS import/mapping jobs, keeps their history, publishes changes',
      ...stackProps,
    });
    const aggregator = new JobStatusAggregator(this, 'Aggregator', this.aggregatorProps(settings ?? {}));
    this.aggregator = aggregator;

    new CfnOutput(this, JOBS_TABLE_OUTPUT_NAME, {
      description: 'The jobs table (current state and history of every job)',
      value: aggregator.table.tableName,
    });
    new CfnOutput(this, 'EventBusName', {
      description: 'The bus job events are published to',
      value: aggregator.eventBus.eventBusName,
    });
    new CfnOutput(this, 'EventBusArn', { value: aggregator.eventBus.eventBusArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Stream batches and events that could not be published',
      value: aggregator.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'DeadLetterQueueArn', { value: aggregator.deadLetterQueue.queueArn });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Alarms notify this topic; subscribe to it for alerts',
      value: aggregator.alarmTopic.topicArn,
    });

    // The dashboard is optional (setting `dashboard`), and so is its URL.
    const { dashboard } = aggregator.monitoring;
    if (!dashboard) return;
    const china = new CfnCondition(this, 'IsChinaPartition', {
      expression: Fn.conditionEquals(Aws.PARTITION, 'aws-cn'),
    });
    const consoleHost = Fn.conditionIf(china.logicalId, 'console.amazonaws.cn', 'console.aws.amazon.com');
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The CloudWatch dashboard',
      value: Fn.join('', [
        'https://',
        Aws.REGION,
        '.',
        consoleHost.toString(),
        '/cloudwatch/home?region=',
        Aws.REGION,
        '#dashboards/dashboard/',
        dashboard.dashboardName,
      ]),
    });
  }

  /**
   * The aggregator's props: `settings` as given. An app that reads them from elsewhere overrides this (bin/
   * reads CDK context); it runs inside this stack, so references it imports (a bus, a topic) belong here.
   */
  protected aggregatorProps(settings: JobStatusAggregatorProps): JobStatusAggregatorProps {
    return settings;
  }
}
