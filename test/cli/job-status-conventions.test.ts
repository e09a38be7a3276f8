import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { formatJobKey, type JobKey } from '../../lambdas/core/job-key.js';
import type { JobStatus } from '../../lambdas/core/status.js';
import { DynamoJobStateStore } from '../../lambdas/store/dynamo-store.js';
import { freePort } from '../../local/free-port.js';
import { jobKey, snapshot, startTestDb, type TestDb } from '../store/support.js';
import { type CliRun, runCli } from '../support/cli-run.js';

/** The built command, as `npx job-status` runs it (npm test builds it first). */
const BUILT = resolve(import.meta.dirname, '../../dist/cli/job-status.js');

let db: TestDb;
const lake = jobKey('conv-lake');
const lakeQueued = jobKey('conv-lake-queued');
const omics = jobKey('conv-omics', { service: 'healthomics', scope: 'wf-1' });
const imaging = jobKey('conv-imaging', { service: 'healthimaging', scope: 'ds-9' });
/** Times inside one second: the table stores them with their milliseconds. */
const steps: [JobKey, JobStatus, string, string][] = [
  [imaging, 'RUNNING', 'IN_PROGRESS', '2025-03-01T10:00:00.000Z'],
  [lake, 'QUEUED', 'SUBMITTED', '2025-03-02T23:59:59.900Z'],
  [lakeQueued, 'QUEUED', 'SUBMITTED', '2025-03-03T00:00:00.000Z'],
  [lake, 'RUNNING', 'IN_PROGRESS', '2025-03-03T00:00:00.250Z'],
  [omics, 'RUNNING', 'RUNNING', '2025-03-03T00:00:00.999Z'],
  [omics, 'FAILED', 'FAILED', '2025-03-03T00:00:01.000Z'],
];

beforeAll(async () => {
  db = await startTestDb();
  for (const [key, status, raw, observedAt] of steps) {
    const store = new DynamoJobStateStore({
      client: db.client,
      settings: { tableName: db.tableName },
      now: () => new Date(observedAt),
    });
    await store.record(await store.get(key), { ...snapshot(key, status, raw, 0), observedAt });
  }
});
afterAll(async () => {
  await db?.stop();
});

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli([...argv, '--endpoint-url', db.local.endpoint], {
    env: { JOBS_TABLE_NAME: db.tableName, ...env },
    now: () => new Date('2025-03-04T00:00:00Z'),
  });
}

const json = async (...argv: string[]) => JSON.parse((await cli([...argv, '--output', 'json'])).out);

/** Runs the built command in a child process; `started` sees the child before it ends. */
function runBuilt(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; started?: (child: ChildProcess) => void } = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return run(process.execPath, [BUILT, ...argv], options);
}

function run(
  file: string,
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; started?: (child: ChildProcess) => void } = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done, fail) => {
    const child = spawn(file, argv, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd && { cwd: options.cwd }),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, out, err }));
    options.started?.(child);
  });
}

describe('time bounds match the stored times', () => {
  it('--until at second precision takes in every record of that second', async () => {
    // Act
    const window = await json(
      'changes',
      '--since',
      '2025-03-03T00:00:00Z',
      '--until',
      '2025-03-03T00:00:00Z',
    );

    // Assess: the records at .000, .250 and .999 of the second, not those before or after it.
    expect(window.Items.map((record: { recordedAt: string }) => record.recordedAt)).toEqual([
      '2025-03-03T00:00:00.000Z',
      '2025-03-03T00:00:00.250Z',
      '2025-03-03T00:00:00.999Z',
    ]);
  });

  it('a date alone names its whole day', async () => {
    const day = await json('changes', '--since', '2025-03-03', '--until', '2025-03-03');
    expect(day.Items).toHaveLength(4);
    const before = await json('changes', '--since', '2025-03-01', '--until', '2025-03-02');
    expect(before.Items.map((record: { jobKey: string }) => record.jobKey)).toEqual([
      formatJobKey(imaging),
      formatJobKey(lake),
    ]);
  });
});

describe('output formats and --query', () => {
  it('json names every job by the jobKey string the events carry', async () => {
    const running = await json('running');
    expect(running.Items.map((job: { jobKey: string }) => job.jobKey).sort()).toEqual(
      [formatJobKey(imaging), formatJobKey(lake), formatJobKey(lakeQueued)].sort(),
    );
    const changes = await json('changes', '--since', '2025-03-01', '--service', 'healthomics');
    expect(changes.Items.map((record: { jobKey: string }) => record.jobKey)).toEqual([
      formatJobKey(omics),
      formatJobKey(omics),
    ]);
  });

  it('--query selects from the JSON output, in every format', async () => {
    const query = ['--query', 'Items[].[jobKey, to.status]'];
    const argv = ['changes', '--since', '2025-03-03T00:00:01Z', ...query];
    const asJson = await cli([...argv, '--output', 'json']);
    expect(JSON.parse(asJson.out)).toEqual([[formatJobKey(omics), 'FAILED']]);
    const asText = await cli([...argv, '--output', 'text']);
    expect(asText.out).toBe(`${formatJobKey(omics)}\tFAILED\n`);
    const asTable = await cli([...argv, '--output', 'table']);
    expect(asTable.out).toMatch(/┌/);
    expect(asTable.out).toContain(formatJobKey(omics));
    const scalar = await cli([
      'get',
      formatJobKey(omics),
      '--query',
      'snapshot.rawStatus',
      '--output',
      'text',
    ]);
    expect(scalar.out).toBe('FAILED\n');
  });

  it('text writes the whole answer as the AWS CLI does: tab-separated, nested values on their own lines', async () => {
    const text = await cli(['status', 'FAILED', '--output', 'text']);
    expect(text.code).toBe(0);
    const lines = text.out.trimEnd().split('\n');
    expect(lines[0]?.startsWith('ITEMS\t')).toBe(true);
    expect(lines[0]?.split('\t')).toContain(formatJobKey(omics));
    expect(lines).toContain('KEY\t123456789012\tconv-omics\tus-east-1\twf-1\thealthomics');
  });

  it('tables by default, and $AWS_DEFAULT_OUTPUT as the AWS CLI reads it', async () => {
    expect((await cli(['status', 'FAILED'])).out).toMatch(/┌/);
    const fromEnv = await cli(['status', 'FAILED'], { AWS_DEFAULT_OUTPUT: 'json' });
    expect(JSON.parse(fromEnv.out).Items).toHaveLength(1);
    const bad = await cli(['status', 'FAILED', '--output', 'yaml']);
    expect(bad.code).toBe(252);
    expect(bad.err).toMatch(/--output/);
  });
});

describe('paging with --max-items and --starting-token', () => {
  it('walks running jobs one at a time across services', async () => {
    // Act: the running jobs are in two services, so the pages cross from one service's query to the next.
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await json('running', '--max-items', '1', ...(token ? ['--starting-token', token] : []));
      expect(page.Items.length).toBeLessThanOrEqual(1);
      seen.push(...page.Items.map((job: { jobKey: string }) => job.jobKey));
      token = page.NextToken;
      pages += 1;
    } while (token);

    // Assess
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen.sort()).toEqual([formatJobKey(imaging), formatJobKey(lake), formatJobKey(lakeQueued)].sort());
    const all = await json('running', '--max-items', '10');
    expect(all.Items).toHaveLength(3);
    expect(all.NextToken).toBeUndefined();
  });

  it('refuses a token of another command, or one that is not a token (252)', async () => {
    const first = await json('changes', '--since', '2025-03-01', '--max-items', '1');
    expect(first.NextToken).toEqual(expect.any(String));
    const elsewhere = await cli(['history', formatJobKey(lake), '--starting-token', first.NextToken]);
    expect(elsewhere.code).toBe(252);
    expect(elsewhere.err).toMatch(/NextToken of "changes"/);
    const garbage = await cli(['changes', '--since', '2025-03-01', '--starting-token', 'not-a-token']);
    expect(garbage.code).toBe(252);
    const zero = await cli(['changes', '--since', '2025-03-01', '--max-items', '0']);
    expect(zero.code).toBe(252);
  });
});

describe('exit codes', () => {
  it('252 for a bad parameter, before any request', async () => {
    for (const argv of [
      ['bogus'],
      ['running', '--since', '7d'],
      ['changes', '--since', 'yesterday'],
      ['changes', '--since', '1d', '--query', 'Items[?'],
      ['get', 'not-a-key'],
    ]) {
      const result = await cli(argv);
      expect({ argv, code: result.code }).toEqual({ argv, code: 252 });
      expect(result.err).toMatch(/--help/);
    }
    let err = '';
    const none = await main([], { stdout() {}, stderr: (text) => (err += text), env: {} });
    expect(none).toBe(252);
    expect(err).toMatch(/Usage: job-status/);
  });

  it('253 without a table name, and for a profile that does not exist', async () => {
    const noTable = await main(['running', '--endpoint-url', db.local.endpoint], {
      stdout() {},
      stderr() {},
      env: {},
    });
    expect(noTable).toBe(253);
    const empty = join(mkdtempSync(join(tmpdir(), 'job-status-')), 'empty');
    writeFileSync(empty, '');
    const profile = await runBuilt(
      ['running', '--table', db.tableName, '--endpoint-url', db.local.endpoint, '--profile', 'nope'],
      { env: { AWS_CONFIG_FILE: empty, AWS_SHARED_CREDENTIALS_FILE: empty } },
    );
    expect(profile.code).toBe(253);
    expect(profile.err).toMatch(/profile nope: .*credentials/);
  });

  it('254 when the service answers with an error, or the job is not there', async () => {
    const noTable = await cli(['running', '--table', 'no-such-table']);
    expect(noTable.code).toBe(254);
    expect(noTable.err).toMatch(/ResourceNotFoundException/);
    const noJob = await cli(['get', formatJobKey(jobKey('never-seen'))]);
    expect(noJob.code).toBe(254);
    expect(noJob.out).toBe('');
  });

  it('255 when the endpoint cannot be reached', async () => {
    const port = await freePort();
    const result = await main(['running', '--endpoint-url', `http://127.0.0.1:${port}`, '--table', 't'], {
      stdout() {},
      stderr() {},
      env: {},
    });
    expect(result).toBe(255);
  });

  it('130 when interrupted with SIGINT', async () => {
    // Prepare: an endpoint that accepts connections and never answers.
    const server: Server = createServer(() => {});
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const connected = new Promise<void>((seen) => server.once('connection', () => seen()));
    try {
      // Act
      const result = await runBuilt(
        ['running', '--table', 't', '--endpoint-url', `http://127.0.0.1:${port}`],
        {
          started: (child) => {
            void connected.then(() => child.kill('SIGINT'));
          },
        },
      );

      // Assess
      expect(result.code).toBe(130);
    } finally {
      server.close();
    }
  });
});

describe('the built command', () => {
  it('exists: npm test builds it before the tests', () => {
    expect(existsSync(BUILT), `${BUILT} is missing: run npm run build`).toBe(true);
  });

  it('prints its version and its help', async () => {
    const manifest = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8'));
    const version = await runBuilt(['--version']);
    expect(version.code).toBe(0);
    expect(version.out).toMatch(new RegExp(`^job-status/${manifest.version} Node\\.js/v\\d+`));
    const help = await runBuilt(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['get', 'history', 'running', 'changes', 'status', 'report']) {
      expect(help.out).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    const commandHelp = await runBuilt(['changes', 'help']);
    expect(commandHelp.out).toMatch(/^Usage: job-status changes --since/);
  });

  it('runs as `npx job-status` in the repository', async () => {
    const result = await run('npx', ['job-status', '--version'], {
      cwd: resolve(import.meta.dirname, '../..'),
    });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^job-status\//);
  });

  it('queries the table', async () => {
    const result = await runBuilt(
      ['status', 'FAILED', '--table', db.tableName, '--endpoint-url', db.local.endpoint, '--output', 'json'],
      { env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).Items.map((job: { jobKey: string }) => job.jobKey)).toEqual([
      formatJobKey(omics),
    ]);
  });

  it('writes the report', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'job-status-')), 'report.html');
    const result = await cli(['report', '--since', '2025-03-01', '--out', out, '--output', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({
      File: out,
      Jobs: 4,
      StatusChanges: 6,
      Since: '2025-03-01T00:00:00.000Z',
    });
    expect(readFileSync(out, 'utf8')).toContain(formatJobKey(omics));
  });
});
