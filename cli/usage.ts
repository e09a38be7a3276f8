import { JOBS_TABLE_OUTPUT_NAME } from '../lambdas/contract/table-schema.js';
import { SERVICE_IDS } from '../lambdas/core/service-id.js';
import { JOB_STATUSES } from '../lambdas/core/status.js';
import { TABLE_VARIABLE } from './aws-config.js';
import type { Command } from './commands/command.js';
import { COMMANDS } from './commands/index.js';
import { BUS_VARIABLE, QUEUE_VARIABLE } from './event-bus.js';

const COMMON = `Where to read:
  --table NAME            the jobs table (default: $${TABLE_VARIABLE})
  --stack NAME            read the table name from the stack output ${JOBS_TABLE_OUTPUT_NAME}
  --region REGION         AWS region (default: $AWS_REGION, the profile's, or us-east-1 with --endpoint-url)
  --profile NAME          a profile of the shared AWS config and credentials files
  --endpoint-url URL      another DynamoDB endpoint, e.g. DynamoDB Local at http://127.0.0.1:8000

What to print:
  --output FORMAT         table (default, or $AWS_DEFAULT_OUTPUT), json or text
  --query EXPR            a JMESPath expression over the JSON output, e.g. 'Items[].jobKey'
  --max-items N           at most N items; the output's NextToken continues (list commands)
  --starting-token T      continue where a NextToken left off (the same command and filters)
  --newest-first          newest first (history, running, changes, status)

What replay and redrive send, and where:
  --bus NAME|ARN          the bus (default: the stack's EventBusArn output, or $${BUS_VARIABLE})
  --queue-url URL         redrive's dead-letter queue (default: the stack's DeadLetterQueueUrl, or $${QUEUE_VARIABLE})
  --events-endpoint-url URL  another EventBridge endpoint (default: $AWS_ENDPOINT_URL_EVENTBRIDGE)
  --job KEY               replay: one job's records
  --dry-run               say what would be sent; send and change nothing

  --version               the version
  -h, --help              this text (job-status <command> --help: one command's)

Exit codes: 0 success, 252 bad parameter, 253 configuration (no table, region, credentials or profile),
254 service error or job not found, 255 other (e.g. an endpoint that cannot be reached), 130 interrupted.`;

export function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.synopsis.split(' [')[0]?.length ?? 0)) + 2;
  const lines = COMMANDS.map(
    (command) => `  ${(command.synopsis.split(' [')[0] ?? command.name).padEnd(width)}${command.summary}`,
  );
  return `Usage: job-status <command> [arguments] [options]

Commands:
${lines.join('\n')}

A job key is service/region/account/scope/jobId as the commands print it, e.g.
  healthlake/us-east-1/123456789012/<datastoreId>/<jobId>

${COMMON}

Statuses: ${JOB_STATUSES.join(', ')}
Services: ${SERVICE_IDS.join(', ')}`;
}

export function commandUsage(command: Command): string {
  return `Usage: job-status ${command.synopsis} [options]

${command.summary[0]?.toUpperCase()}${command.summary.slice(1)}.

${COMMON}`;
}
