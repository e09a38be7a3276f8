import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { formatJobKey, type JobKey } from '../../lambdas/core/job-key.js';
import type { JobStatus } from '../../lambdas/core/status.js';
import { DynamoJobStateStore } from '../../lambdas/store/dynamo-store.js';
import { startMotoServer } from '../../local/moto-server.js';
import { jobKey, snapshot, startTestDb, T0, type TestDb } from '../store/support.js';
import { type CliRun, runCli } from '../support/cli-run.js';

let db: TestDb;
/** The writer's key: DynamoDB Local keeps one database per access key id. */
const credentials = {
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
};
const DAY = 86_400;
const lake = jobKey('cli-lake');
const lakeFailed = jobKey('cli-lake-failed');
const pano: JobKey = {
  service: 'panorama',
  region: 'us-east-1',
  accountId: '123456789012',
  jobId: 'cli-pano',
};

beforeAll(async () => {
  db = await startTestDb();
  const steps: [JobKey, JobStatus, string, number, string?][] = [
    [lake, 'QUEUED', 'SUBMITTED', 0],
    [lake, 'RUNNING', 'IN_PROGRESS', 3600],
    [lakeFailed, 'QUEUED', 'SUBMITTED', DAY],
    [lakeFailed, 'FAILED', 'FAILED', 2 * DAY, 'Access denied to s3://bucket/input'],
    [pano, 'QUEUED', 'PENDING', 3 * DAY],
    [pano, 'SUCCEEDED', 'SUCCEEDED', 4 * DAY],
  ];
  for (const [key, status, raw, seconds, message] of steps) {
    const store = new DynamoJobStateStore({
      client: db.client,
      settings: { tableName: db.tableName },
      now: () => new Date(T0 + seconds * 1000),
    });
    await store.record(
      await store.get(key),
      snapshot(key, status, raw, seconds, {
        ...(message && { message }),
        ...(status === 'RUNNING' && { progress: { files: 7 } }),
      }),
    );
  }
});
afterAll(async () => {
  await db?.stop();
});

async function cli(...argv: string[]): Promise<CliRun> {
  return runCli([...argv, '--endpoint-url', db.local.endpoint], {
    env: { ...credentials, JOBS_TABLE_NAME: db.tableName },
    now: () => new Date(T0 + 5 * DAY * 1000),
  });
}

describe('job-status against DynamoDB Local', () => {
  it('get: a table of one job by default, the stored job with --output json', async () => {
    const table = await cli('get', formatJobKey(lake));
    expect(table.code).toBe(0);
    expect(table.out).toContain(formatJobKey(lake));
    expect(table.out).toContain('RUNNING (IN_PROGRESS)');
    expect(table.out).toContain('files=7');
    expect(table.out).toMatch(/┌/);
    const json = await cli('get', formatJobKey(lake), '--output', 'json');
    expect(JSON.parse(json.out)).toMatchObject({
      jobKey: formatJobKey(lake),
      version: 2,
      snapshot: { rawStatus: 'IN_PROGRESS', key: lake },
    });
  });

  it('get: exit 254 for a job the table does not hold, 252 for a malformed key', async () => {
    const missing = await cli('get', formatJobKey(jobKey('nope')));
    expect(missing.code).toBe(254);
    expect(missing.err).toMatch(/No job/);
    const bad = await cli('get', 'not-a-key');
    expect(bad.code).toBe(252);
    expect(bad.err).toMatch(/Invalid job key/);
  });

  it('history: oldest first, or newest first', async () => {
    const table = await cli('history', formatJobKey(lake));
    expect(table.code).toBe(0);
    expect(table.out.indexOf('new: SUBMITTED')).toBeLessThan(table.out.indexOf('SUBMITTED → IN_PROGRESS'));
    const json = await cli('history', formatJobKey(lake), '--newest-first', '--output', 'json');
    const parsed = JSON.parse(json.out) as { Items: { version: number }[] };
    expect(parsed.Items.map((record) => record.version)).toEqual([2, 1]);
  });

  it('running: per service and everywhere', async () => {
    const table = await cli('running', '--service', 'healthlake');
    expect(table.out).toContain(formatJobKey(lake));
    expect(table.out).not.toContain('cli-lake-failed');
    const none = await cli('running', '--service', 'panorama');
    expect(none.out).toBe('No running jobs\n');
    const json = JSON.parse((await cli('running', '--output', 'json')).out) as { Items: unknown[] };
    expect(json.Items).toHaveLength(1);
  });

  it('changes: since a relative time, by service and status ("which imports failed this week")', async () => {
    const failed = await cli('changes', '--since', '7d', '--status', 'failed', '--output', 'json');
    expect(failed.code).toBe(0);
    const parsed = JSON.parse(failed.out) as { Items: { key: JobKey; to: { rawStatus: string } }[] };
    expect(parsed.Items.map((record) => [record.key.jobId, record.to.rawStatus])).toEqual([
      ['cli-lake-failed', 'FAILED'],
    ]);
    const table = await cli(
      'changes',
      '--since',
      '2025-03-03T00:00:00Z',
      '--until',
      '24h',
      '--service',
      'panorama',
    );
    expect(table.out).toContain('new: PENDING (QUEUED)');
    expect(table.out).toContain('PENDING → SUCCEEDED (SUCCEEDED)');
    expect(table.out).not.toContain('cli-lake');
  });

  it('status: the jobs in one status, per service', async () => {
    const table = await cli('status', 'SUCCEEDED');
    expect(table.out).toContain(formatJobKey(pano));
    const json = JSON.parse(
      (await cli('status', 'FAILED', '--service', 'panorama', '--output', 'json')).out,
    ) as {
      Items: unknown[];
    };
    expect(json.Items).toEqual([]);
  });

  it('pages with --max-items and --starting-token', async () => {
    const first = await cli('changes', '--since', '30d', '--max-items', '2', '--output', 'json');
    const page1 = JSON.parse(first.out) as { Items: { recordId: string }[]; NextToken?: string };
    expect(page1.Items).toHaveLength(2);
    expect(page1.NextToken).toBeDefined();
    const seen = [...page1.Items.map((item) => item.recordId)];
    let cursor = page1.NextToken;
    while (cursor) {
      const next = JSON.parse(
        (
          await cli(
            'changes',
            '--since',
            '30d',
            '--max-items',
            '2',
            '--starting-token',
            cursor,
            '--output',
            'json',
          )
        ).out,
      ) as {
        Items: { recordId: string }[];
        NextToken?: string;
      };
      seen.push(...next.Items.map((item) => item.recordId));
      cursor = next.NextToken;
    }
    expect(new Set(seen).size).toBe(6);
    const table = await cli('changes', '--since', '30d', '--max-items', '2');
    expect(table.err).toMatch(/--starting-token \S+/);
  });

  it('explains bad parameters with exit code 252', async () => {
    expect((await cli('changes')).err).toMatch(/--since/);
    expect((await cli('bogus')).code).toBe(252);
    expect((await cli('status', 'DONE')).err).toMatch(/Unknown status/);
    expect((await cli('running', '--service', 'lambda')).err).toMatch(/Unknown service/);
    expect((await cli('running', '--nope')).code).toBe(252);
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Usage:/);
  });

  it('needs a table name: --table, --stack or JOBS_TABLE_NAME', async () => {
    const io = { stdout() {}, stderr() {}, env: credentials };
    let err = '';
    const code = await main(['running', '--endpoint-url', db.local.endpoint], {
      ...io,
      stderr: (text) => (err += text),
    });
    expect(code).toBe(253);
    expect(err).toMatch(/--table/);
    const withFlag = await main(
      ['running', '--table', db.tableName, '--endpoint-url', db.local.endpoint, '--output', 'json'],
      {
        ...io,
        stdout: (text) => (err = text),
      },
    );
    expect(withFlag).toBe(0);
  });

  it('reads the table name from a deployed stack output with --stack', async () => {
    // Prepare: a CloudFormation stack in moto whose JobsTableName output names the test table.
    const moto = await startMotoServer();
    const saved = process.env.AWS_ENDPOINT_URL_CLOUDFORMATION;
    try {
      process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = moto.endpoint;
      const cfn = new CloudFormationClient({ endpoint: moto.endpoint, region: 'us-east-1' });
      const template = {
        Resources: { Topic: { Type: 'AWS::SNS::Topic' } },
        Outputs: { JobsTableName: { Value: db.tableName } },
      };
      await cfn.send(
        new CreateStackCommand({ StackName: 'JobStatusAggregator', TemplateBody: JSON.stringify(template) }),
      );

      // Act
      const found = await cli(
        'running',
        '--stack',
        'JobStatusAggregator',
        '--region',
        'us-east-1',
        '--output',
        'json',
      );
      const missing = await cli('running', '--stack', 'NoSuchStack', '--region', 'us-east-1');

      // Assess
      expect(found.code).toBe(0);
      expect(JSON.parse(found.out).Items.length).toBeGreaterThan(0);
      expect(missing.code).toBe(254);
      expect(missing.err).toMatch(/NoSuchStack/);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_CLOUDFORMATION;
      else process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = saved;
      await moto.stop();
    }
  });
});
