import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatJobKey, type JobKey } from '../../lambdas/core/job-key.js';
import type { JobStatus } from '../../lambdas/core/status.js';
import { DynamoJobStateStore } from '../../lambdas/store/dynamo-store.js';
import { jobKey, snapshot, startTestDb, T0, type TestDb } from '../store/support.js';
import { type CliRun, runCli } from '../support/cli-run.js';

/**
 * Jobs of 2 accounts × 2 regions in one table. Each target has two running HealthLake jobs, one running
 * Panorama job and one failed HealthLake job. Before them, 100 failed jobs of the first target, so a filtered
 * read for another target's failed jobs finds nothing in its first DynamoDB request (100 items) and must
 * read on.
 */
const ACCOUNTS = ['111122223333', '444455556666'] as const;
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const TARGETS = ACCOUNTS.flatMap((accountId) => REGIONS.map((region) => ({ accountId, region })));
const FILLER_JOBS = 100;
const DAY = 86_400;

/** Credentials as the writer had them: DynamoDB Local keeps one database per access key id. */
const credentials = {
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
};

interface Written {
  readonly key: JobKey;
  readonly status: JobStatus;
  /** Transitions written for it. */
  readonly records: number;
}

const written: Written[] = [];
let db: TestDb;

async function write(key: JobKey, steps: [JobStatus, string][], seconds: number): Promise<void> {
  for (const [offset, [status, raw]] of steps.entries()) {
    const time = seconds + offset * 60;
    const store = new DynamoJobStateStore({
      client: db.client,
      settings: { tableName: db.tableName },
      now: () => new Date(T0 + time * 1000),
    });
    const result = await store.record(await store.get(key), snapshot(key, status, raw, time));
    if (result.kind !== 'transition') throw new Error(`unexpected ${result.kind}`);
  }
  written.push({ key, status: steps.at(-1)?.[0] ?? 'UNKNOWN', records: steps.length });
}

beforeAll(async () => {
  db = await startTestDb();
  const first = TARGETS[0] ?? { accountId: '', region: '' };
  for (let n = 0; n < FILLER_JOBS; n += 1)
    await write(jobKey(`filler-${n}`, first), [['FAILED', 'FAILED']], n);
  for (const [t, target] of TARGETS.entries()) {
    const base = 1_000 + t * 3_600;
    const id = `${target.accountId}-${target.region}`;
    const running: [JobStatus, string][] = [
      ['QUEUED', 'SUBMITTED'],
      ['RUNNING', 'IN_PROGRESS'],
    ];
    await write(jobKey(`run-a-${id}`, target), running, base);
    await write(jobKey(`run-b-${id}`, target), running, base + 600);
    await write({ service: 'panorama', ...target, jobId: `pano-${id}` }, [['QUEUED', 'PENDING']], base + 900);
    await write(
      jobKey(`failed-${id}`, target),
      [
        ['QUEUED', 'SUBMITTED'],
        ['FAILED', 'FAILED'],
      ],
      base + 1_200,
    );
  }
}, 120_000);
afterAll(async () => {
  await db?.stop();
});

async function cli(...argv: string[]): Promise<CliRun> {
  return runCli([...argv, '--endpoint-url', db.local.endpoint], {
    env: { ...credentials, JOBS_TABLE_NAME: db.tableName },
    now: () => new Date(T0 + 5 * DAY * 1000),
  });
}

interface ListOutput {
  Items: { jobKey: string; recordId?: string }[];
  NextToken?: string;
}

async function list(...argv: string[]): Promise<ListOutput> {
  const result = await cli(...argv, '--output', 'json');
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.err}`);
  return JSON.parse(result.out) as ListOutput;
}

/** Every page of a list command at `maxItems` a page, each page checked to be no bigger. */
async function allPagesOf(maxItems: number, ...argv: string[]): Promise<ListOutput['Items']> {
  const items: ListOutput['Items'] = [];
  let token: string | undefined;
  do {
    const page = await list(
      ...argv,
      '--max-items',
      String(maxItems),
      ...(token ? ['--starting-token', token] : []),
    );
    expect(page.Items.length).toBeLessThanOrEqual(maxItems);
    items.push(...page.Items);
    token = page.NextToken;
  } while (token);
  return items;
}

type Match = (key: JobKey) => boolean;
const inAccounts =
  (...accounts: string[]): Match =>
  (key) =>
    accounts.includes(key.accountId ?? '');
const inRegion =
  (region: string): Match =>
  (key) =>
    key.region === region;
const both =
  (a: Match, b: Match): Match =>
  (key) =>
    a(key) && b(key);

/** The job keys written that match, optionally in one final status (sorted, for comparison). */
function expectedKeys(match: Match, which: (job: Written) => boolean = () => true): string[] {
  return written
    .filter((job) => match(job.key) && which(job))
    .map((job) => formatJobKey(job.key))
    .sort();
}
const keysOf = (items: ListOutput['Items']) => items.map((item) => item.jobKey).sort();
const isRunning = (job: Written) => job.status !== 'FAILED';

const [A1, A2] = ACCOUNTS;
const [R1, R2] = REGIONS;

describe('job-status target filters (--account, --job-region) on DynamoDB Local', () => {
  it('running: each filter returns exactly its targets’ jobs', async () => {
    const cases: [string[], Match][] = [
      [['--account', A1], inAccounts(A1)],
      [['--job-region', R2], inRegion(R2)],
      [['--account', A2, '--job-region', R1], both(inAccounts(A2), inRegion(R1))],
      [['--account', `${A1},${A2}`], inAccounts(A1, A2)],
      [['--account', A1, '--account', A2, '--job-region', R1], inRegion(R1)],
      [['--account', '999999999999'], () => false],
    ];
    for (const [flags, match] of cases) {
      const page = await list('running', ...flags);
      expect(keysOf(page.Items), flags.join(' ')).toEqual(expectedKeys(match, isRunning));
    }
    // The unfiltered listing holds every target's running jobs: the filters did remove something.
    expect(keysOf((await list('running')).Items)).toHaveLength(TARGETS.length * 3);
  });

  it('status and changes: each filter returns exactly its targets’ jobs and records', async () => {
    const failed = await list('status', 'FAILED', '--account', A2, '--job-region', R2);
    expect(keysOf(failed.Items)).toEqual(
      expectedKeys(both(inAccounts(A2), inRegion(R2)), (job) => job.status === 'FAILED'),
    );
    const regionFailed = await list('status', 'FAILED', '--job-region', R2, '--service', 'healthlake');
    expect(keysOf(regionFailed.Items)).toEqual(expectedKeys(inRegion(R2), (job) => job.status === 'FAILED'));

    const changes = await list('changes', '--since', '30d', '--account', A2);
    const expectedRecords = written.filter((job) => inAccounts(A2)(job.key));
    expect(changes.Items).toHaveLength(expectedRecords.reduce((sum, job) => sum + job.records, 0));
    expect([...new Set(keysOf(changes.Items))]).toEqual(expectedKeys(inAccounts(A2)));
    const failedChanges = await list('changes', '--since', '30d', '--status', 'FAILED', '--job-region', R2);
    expect(keysOf(failedChanges.Items)).toEqual(expectedKeys(inRegion(R2), (job) => job.status === 'FAILED'));
  });

  it('pages a filtered listing: at most --max-items a page, every match once, across DynamoDB pages', async () => {
    // The second account's failed jobs lie behind the 100 filler jobs of the first.
    const failed = await allPagesOf(1, 'status', 'FAILED', '--account', A2);
    expect(keysOf(failed)).toEqual(expectedKeys(inAccounts(A2), (job) => job.status === 'FAILED'));

    // Running jobs of one region span two services (the cursor moves from one service's Query to the next).
    const running = await allPagesOf(3, 'running', '--job-region', R1);
    expect(keysOf(running)).toEqual(expectedKeys(inRegion(R1), isRunning));

    const changes = await allPagesOf(4, 'changes', '--since', '30d', '--account', A2, '--job-region', R1);
    const ids = changes.map((item) => item.recordId);
    expect(new Set(ids).size).toBe(ids.length);
    const target = written.filter((job) => both(inAccounts(A2), inRegion(R1))(job.key));
    expect(ids).toHaveLength(target.reduce((sum, job) => sum + job.records, 0));
    expect([...new Set(keysOf(changes))]).toEqual(expectedKeys(both(inAccounts(A2), inRegion(R1))));
  });

  it('refuses a bad account id or region with exit code 252', async () => {
    for (const [flags, message] of [
      [['--account', '12345'], /--account takes 12-digit account ids, not "12345"/],
      [['--account', `${A1},abc`], /not "abc"/],
      [['--account', ''], /--account takes 12-digit account ids/],
      [['--job-region', 'US_EAST_1'], /--job-region takes a region such as us-east-1, not "US_EAST_1"/],
    ] as const) {
      for (const command of [['running'], ['status', 'FAILED'], ['changes', '--since', '1d'], ['report']]) {
        const result = await cli(...command, ...flags);
        expect(result.code, `${command.join(' ')} ${flags.join(' ')}`).toBe(252);
        expect(result.err).toMatch(message);
      }
    }
    // `get` and `history` read one job: they take no target filter.
    expect((await cli('get', formatJobKey(written[0]?.key ?? jobKey('x')), '--account', A1)).code).toBe(252);
  });

  it('report: filters the same way, and names each lane’s target when there are several', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'job-status-targets-'));
    const jobKeysIn = (html: string) =>
      [
        ...new Set([...html.matchAll(/<g class="lane" data-job-key="([^"]+)"/g)].map((m) => m[1] ?? '')),
      ].sort();

    const oneAccount = join(dir, 'one-account.html');
    expect((await cli('report', '--account', A2, '--out', oneAccount)).code).toBe(0);
    const accountHtml = readFileSync(oneAccount, 'utf8');
    expect(jobKeysIn(accountHtml)).toEqual(expectedKeys(inAccounts(A2)));
    for (const region of REGIONS)
      expect(accountHtml).toContain(`<tspan class="lane-target">${A2} ${region}</tspan>`);

    const oneTarget = join(dir, 'one-target.html');
    expect((await cli('report', '--account', A1, '--job-region', R2, '--out', oneTarget)).code).toBe(0);
    const targetHtml = readFileSync(oneTarget, 'utf8');
    expect(jobKeysIn(targetHtml)).toEqual(expectedKeys(both(inAccounts(A1), inRegion(R2))));
    expect(targetHtml).not.toContain('class="lane-target"');
  });
});
