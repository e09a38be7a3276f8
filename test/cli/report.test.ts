import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportModel, type ReportInput } from '../../cli/report/model.js';
import { axisTicks, durationText, escapeHtml, renderReport } from '../../cli/report/render.js';
import type { HistoryRecord, StallRecord, TransitionRecord } from '../../lambdas/core/history.js';
import { historyRecordId } from '../../lambdas/core/history.js';
import type { JobKey } from '../../lambdas/core/job-key.js';
import type { CurrentJob } from '../../lambdas/core/recording.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';
import { isTerminal, type JobStatus } from '../../lambdas/core/status.js';

/** Fixed data: seven jobs of the five services, with every kind of ending, a stall and a hostile message. */
const T0 = Date.parse('2025-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const HOSTILE = '<script>alert("x")</script> & \'quotes\' <b>not bold</b>';

interface Step {
  readonly raw: string;
  readonly status: JobStatus;
  readonly minute: number;
}

interface FixtureJob {
  readonly key: JobKey;
  readonly name?: string;
  readonly steps: readonly Step[];
  readonly message?: string;
  readonly stallAt?: number;
}

const key = (service: ServiceId, jobId: string, scope?: string): JobKey => ({
  service,
  region: 'us-east-1',
  accountId: '123456789012',
  ...(scope && { scope }),
  jobId,
});

const JOBS: readonly FixtureJob[] = [
  {
    key: key('healthlake', 'lake-ok', 'ds1'),
    name: 'claims-import',
    steps: [
      { raw: 'SUBMITTED', status: 'QUEUED', minute: 0 },
      { raw: 'QUEUED', status: 'QUEUED', minute: 2 },
      { raw: 'IN_PROGRESS', status: 'RUNNING', minute: 4 },
      { raw: 'COMPLETED', status: 'SUCCEEDED', minute: 20 },
    ],
  },
  {
    key: key('healthlake', 'lake-partial', 'ds1'),
    name: 'labs-import',
    steps: [
      { raw: 'SUBMITTED', status: 'QUEUED', minute: 5 },
      { raw: 'IN_PROGRESS', status: 'RUNNING', minute: 8 },
      { raw: 'COMPLETED_WITH_ERRORS', status: 'SUCCEEDED_WITH_ERRORS', minute: 30 },
    ],
  },
  {
    key: key('healthlake', 'lake-running', 'ds2'),
    name: 'oncology-import',
    steps: [
      { raw: 'QUEUED', status: 'QUEUED', minute: 10 },
      { raw: 'IN_PROGRESS', status: 'RUNNING', minute: 12 },
    ],
    stallAt: 40,
  },
  {
    key: key('healthimaging', 'img1', 'ds3'),
    name: 'dicom-ct-batch',
    steps: [
      { raw: 'SUBMITTED', status: 'QUEUED', minute: 1 },
      { raw: 'IN_PROGRESS', status: 'RUNNING', minute: 3 },
      { raw: 'FAILED', status: 'FAILED', minute: 9 },
    ],
    message: HOSTILE,
  },
  {
    key: key('healthomics', '4000000001', '1234567890'),
    steps: [
      { raw: 'SUBMITTED', status: 'QUEUED', minute: 6 },
      { raw: 'IN_PROGRESS', status: 'RUNNING', minute: 7 },
      { raw: 'CANCELLING', status: 'CANCELLING', minute: 15 },
      { raw: 'CANCELLED', status: 'CANCELLED', minute: 17 },
    ],
  },
  {
    key: key('entityresolution', 'a'.repeat(32), 'customer-matching'),
    steps: [
      { raw: 'QUEUED', status: 'QUEUED', minute: 0 },
      { raw: 'RUNNING', status: 'RUNNING', minute: 1 },
      { raw: 'SUCCEEDED', status: 'SUCCEEDED', minute: 50 },
    ],
  },
  {
    key: key('panorama', 'pkg-import-1'),
    steps: [
      { raw: 'PENDING', status: 'RUNNING', minute: 20 },
      { raw: 'FAILED', status: 'FAILED', minute: 26 },
    ],
    message: 'The package manifest is not valid.',
  },
];

const NOW = new Date(T0 + 60 * 60_000);

function snapshot(job: FixtureJob, step: Step): JobSnapshot {
  const first = job.steps[0] as Step;
  const terminal = isTerminal(step.status);
  return {
    key: job.key,
    ...(job.name && { jobName: job.name }),
    status: step.status,
    rawStatus: step.raw,
    submittedAt: at(first.minute),
    ...(terminal && { endedAt: at(step.minute) }),
    ...(terminal && job.message && { message: job.message }),
    observedAt: at(step.minute),
    detail: 'full',
  };
}

function fixture(): ReportInput {
  const history: HistoryRecord[] = [];
  const jobs: CurrentJob[] = [];
  for (const job of JOBS) {
    job.steps.forEach((step, index) => {
      const previous = job.steps[index - 1];
      const record: TransitionRecord = {
        kind: 'transition',
        recordId: historyRecordId(job.key, index + 1, 'transition', step.raw),
        key: job.key,
        version: index + 1,
        recordedAt: at(step.minute),
        snapshot: snapshot(job, step),
        ...(previous && { from: { status: previous.status, rawStatus: previous.raw } }),
        to: { status: step.status, rawStatus: step.raw },
      };
      history.push(record);
    });
    const last = job.steps.at(-1) as Step;
    let version = job.steps.length;
    if (job.stallAt !== undefined) {
      version += 1;
      const stall: StallRecord = {
        kind: 'stall',
        recordId: historyRecordId(job.key, version, 'stall', last.raw),
        key: job.key,
        version,
        recordedAt: at(job.stallAt),
        snapshot: snapshot(job, last),
        lastChangeAt: at(last.minute),
        stalledForSeconds: (job.stallAt - last.minute) * 60,
      };
      history.push(stall);
    }
    jobs.push({
      snapshot: snapshot(job, last),
      version,
      lastChangeAt: at(last.minute),
      writtenAt: at(last.minute),
      statusSince: at(last.minute),
      ...(job.stallAt !== undefined && { stalledSince: at(job.stallAt) }),
    });
  }
  return {
    title: 'Jobs of the test <fixture>',
    generatedAt: NOW,
    since: new Date(T0 - 3_600_000),
    source: 'table jobs-test at http://127.0.0.1:8000',
    history: history.reverse(),
    jobs,
  };
}

describe('the report model', () => {
  const model = buildReportModel(fixture());

  it('has one lane per job, grouped by service in the catalog order', () => {
    expect(model.groups.map((group) => [group.service, group.lanes.length])).toEqual([
      ['healthlake', 3],
      ['healthimaging', 1],
      ['healthomics', 1],
      ['entityresolution', 1],
      ['panorama', 1],
    ]);
    expect(model.jobCount).toBe(7);
    expect(model.transitionCount).toBe(21);
    expect(model.stallCount).toBe(1);
  });

  it('cuts each lane into status segments; a running lane reaches the report time', () => {
    const running = model.groups[0]?.lanes.find((lane) => lane.jobId === 'lake-running');
    expect(running?.segments.map((segment) => [segment.rawStatus, segment.to - segment.from])).toEqual([
      ['QUEUED', 2 * 60_000],
      ['IN_PROGRESS', 48 * 60_000],
    ]);
    expect(running?.stalls).toEqual([T0 + 40 * 60_000]);
    expect(running?.terminal).toBe(false);
  });

  it('starts the timeline at the first change, not at the start of the window', () => {
    expect(model.start).toBe(T0);
    expect(model.end).toBe(NOW.getTime());
  });

  it('counts by status and lists the slowest and the failed jobs', () => {
    expect(Object.fromEntries(model.totals)).toEqual({
      RUNNING: 1,
      SUCCEEDED: 2,
      SUCCEEDED_WITH_ERRORS: 1,
      FAILED: 2,
      CANCELLED: 1,
    });
    expect(model.slowest.slice(0, 2).map((lane) => [lane.jobId, lane.durationMs / 60_000])).toEqual([
      ['lake-running', 50],
      ['a'.repeat(32), 50],
    ]);
    expect(model.failed.map((lane) => lane.jobId)).toEqual(['pkg-import-1', 'img1']);
  });

  it('draws at most maxLanes and says how many it left out', () => {
    const small = buildReportModel({ ...fixture(), maxLanes: 4 });
    expect(small.groups.flatMap((group) => group.lanes)).toHaveLength(4);
    expect(small.hiddenLanes).toBe(3);
    expect(small.jobCount).toBe(7);
  });

  it('escapes, formats durations and picks round axis ticks', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect([38_000, 252_000, 7_500_000, 3 * 86_400_000].map(durationText)).toEqual([
      '38 s',
      '4 min 12 s',
      '2 h 05 min',
      '3 d 0 h',
    ]);
    const ticks = axisTicks(T0, T0 + 60 * 60_000);
    expect(ticks.map((tick) => tick.label)).toEqual([
      '10:00',
      '10:10',
      '10:20',
      '10:30',
      '10:40',
      '10:50',
      '11:00',
    ]);
  });
});

describe('the report in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const dir = join(process.cwd(), 'reports');
  const file = join(dir, 'report-test.html');

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, renderReport(fixture()));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`file://${file}`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('is self-contained: the page asks for nothing but itself and runs no script', async () => {
    expect(requests).toEqual([`file://${file}`]);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.title()).toBe('Jobs of the test <fixture>');
  });

  it('draws one lane per job under its service', async () => {
    expect(await page.locator('svg.timeline g.lane').count()).toBe(7);
    expect(await page.locator('g.group[data-service="healthlake"] .group-title').textContent()).toBe(
      'AWS HealthLake (3)',
    );
    expect(await page.locator('g.lane[data-service="healthlake"]').count()).toBe(3);
    expect(await page.locator('g.lane[data-status="CANCELLED"] rect.segment').count()).toBe(4);
    expect(await page.locator('g.lane path.stall').count()).toBe(1);
    const labels = await page.locator('g.lane .lane-label').allTextContents();
    expect(labels).toContain('claims-import');
    expect(labels).toContain('pkg-import-1');
  });

  it('shows the counts by status', async () => {
    const count = (status: string) =>
      page.locator(`.card[data-status="${status}"]`).getAttribute('data-count');
    expect(await count('SUCCEEDED')).toBe('2');
    expect(await count('FAILED')).toBe('2');
    expect(await count('SUCCEEDED_WITH_ERRORS')).toBe('1');
    expect(await page.locator('.card[data-status="SUCCEEDED_WITH_ERRORS"] .label').textContent()).toBe(
      'Partial success',
    );
    expect(await page.locator('tr[data-service="healthlake"] td.total').textContent()).toBe('3');
  });

  it('lists the slowest jobs, longest first', async () => {
    const rows = page.locator('#slowest tbody tr');
    expect(await rows.count()).toBe(7);
    expect(await rows.nth(0).locator('td.job').textContent()).toBe('oncology-import');
    expect(await rows.nth(0).locator('td.duration').textContent()).toBe('50 min 00 s so far');
    expect(await rows.nth(1).locator('td.job').textContent()).toBe('a'.repeat(32));
  });

  it('lists the failed jobs with their messages, shown as text', async () => {
    const rows = page.locator('#failed tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await page.locator('#failed h2').textContent()).toBe('Failed jobs (2)');
    expect(await rows.nth(1).locator('td.message').textContent()).toBe(HOSTILE);
    expect(await page.locator('#failed b').count()).toBe(0);
  });

  it('reads well: a screenshot for a look', async () => {
    const path = join(dir, 'report-test.png');
    await page.screenshot({ path, fullPage: true });
    // Evaluated in the page (this project's TypeScript has no DOM types): nothing scrolls sideways.
    const width = await page.evaluate<number>('document.body.scrollWidth');
    expect(width).toBeLessThanOrEqual(1280);
  });
});
