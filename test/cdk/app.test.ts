import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { afterAll, describe, expect, it } from 'vitest';
import { JobStatusAggregator } from '../../lib/job-status-aggregator.js';
import { JobStatusAggregatorStack } from '../../lib/job-status-aggregator-stack.js';
import { SettingsError } from '../../lib/settings.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** `npx cdk synth` the way CI runs it: offline, no telemetry, no notices, no AWS credentials. */
function cdkSynth(...args: string[]): { status: number; output: string; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'job-status-aggregator-cli-'));
  outdirs.push(outdir);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  // The test setup's fake credentials would make the CLI ask STS for the account: keep synth offline.
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  const result = spawnSync('npx', ['cdk', 'synth', '--no-notices', '--quiet', '--output', outdir, ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}`, outdir };
}

/** The settings error a construct throws (before any bundling), or a failure when it throws none. */
function settingsErrorOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    if (error instanceof SettingsError) return error.message;
    throw error;
  }
  throw new Error('expected a SettingsError');
}

describe('invalid settings fail synth with the message a user needs', () => {
  it('names every bad setting of the stack, with the allowed values', () => {
    // Act
    const message = settingsErrorOf(
      () =>
        new JobStatusAggregatorStack(new App(), 'Bad', {
          settings: { services: ['healthlake', 'omics' as never], tableRemovalPolicy: 'keep' as never },
        }),
    );

    // Assess
    expect(message).toBe(
      [
        'Invalid job-status-aggregator settings:',
        '  - services: "omics" is not a service. Allowed: healthlake, healthimaging, healthomics, entityresolution, panorama. Example: -c services=healthlake,healthomics',
        '  - tableRemovalPolicy: "keep" is not allowed. Allowed: retain, destroy. Example: -c tableRemovalPolicy=destroy',
      ].join('\n'),
    );
  });

  it('refuses a bus in another region than the stack’s, and two event buses at once', () => {
    // Prepare
    const stack = new Stack(new App(), 'Embedding', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const otherRegionBus = events.EventBus.fromEventBusArn(
      stack,
      'Bus',
      'arn:aws:events:us-east-1:123456789012:event-bus/jobs',
    );
    const sameRegionBus = events.EventBus.fromEventBusName(stack, 'Local', 'platform-events');

    // Act
    const otherRegion = settingsErrorOf(
      () => new JobStatusAggregator(stack, 'A', { eventBus: otherRegionBus }),
    );
    const sameRegion = new JobStatusAggregator(stack, 'B', { eventBus: sameRegionBus });

    // Assess
    expect(otherRegion).toContain(
      'eventBus: arn:aws:events:us-east-1:123456789012:event-bus/jobs is in us-east-1 but this stack deploys to eu-west-1',
    );
    expect(sameRegion.eventBus).toBe(sameRegionBus);
  });
});

describe('npx cdk synth (offline, as CI runs it)', () => {
  it('synthesizes the app from context settings alone, runs cdk-nag, and warns about Panorama', () => {
    // Act
    const result = cdkSynth(
      '-c',
      'services=panorama',
      '-c',
      'stackName=JobsCi',
      '-c',
      'alarmEmails=ops@example.com',
    );

    // Assess
    expect(result.status, result.output).toBe(0);
    const templateFile = join(result.outdir, 'JobsCi.template.json');
    expect(existsSync(templateFile)).toBe(true);
    const template = JSON.parse(readFileSync(templateFile, 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(2); // the Panorama poller and the publisher
    expect(result.output).toContain('AWS ended support for AWS Panorama on 2026-05-31');
    expect(result.output).not.toContain('AwsSolutions-');
  }, 180_000);

  it('stops with the settings problems, not a stack trace, when a context value is wrong', () => {
    // Act
    const result = cdkSynth(
      '-c',
      'services=lake',
      '-c',
      'schedule=healthlake=0',
      '-c',
      'eventBus=arn:aws:sqs:eu-west-1:123456789012:q',
      '-c',
      'alarmTopic=ops',
    );

    // Assess
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('Invalid job-status-aggregator settings:');
    expect(result.output).toContain('services: "lake" is not a service. Allowed: healthlake, healthimaging');
    expect(result.output).toContain(
      'schedule: healthlake=0 minutes must be a whole number of minutes from 1 to 1440',
    );
    expect(result.output).toContain(
      'eventBus: "arn:aws:sqs:eu-west-1:123456789012:q" is not an event bus ARN',
    );
    expect(result.output).toContain('alarmTopic: "ops" is not the ARN of a standard SNS topic');
    expect(result.output).not.toMatch(/\n\s+at /);
  }, 60_000);
});
