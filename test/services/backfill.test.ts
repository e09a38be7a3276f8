import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobKey } from '../../lambdas/core/job-key.js';
import { type PollPolicy, runPollCycle } from '../../lambdas/core/poll-cycle.js';
import { silentLog } from '../../lambdas/core/ports.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import { isTerminal, JobStatus } from '../../lambdas/core/status.js';
import { registeredService } from '../../lambdas/services/registry.js';
import { DynamoJobStateStore } from '../../lambdas/store/dynamo-store.js';
import { LOCAL_SERVICES } from '../../local/services/registry.js';
import { Prng } from '../../local/simulator/prng.js';
import { startTestDb, type TestDb } from '../store/support.js';

/**
 * The first run's look-back for each of the five services, through the real SDK clients against the wire
 * fakes and DynamoDB Local: every job that ended within the window is recorded with its status, finished
 * ones marked backfilled (with their failure reason, job data redacted); older ones are not; and only the
 * first run of a service reaches back.
 */

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const DAY = 86_400_000;
const NOW = Date.now();

const policy: PollPolicy = {
  recentWindowSeconds: 3600,
  sweepWindowSeconds: 6 * 3600 + 300,
  progressRefreshSeconds: 300,
  progressRefreshLimit: 0,
  stallAfterSeconds: undefined,
  fullSweep: false,
  concurrency: 2,
  safetyMarginMs: 0,
  backfillWindowSeconds: 7 * 86_400,
};

let db: TestDb;

beforeAll(async () => {
  db = await startTestDb();
}, 120_000);

afterAll(async () => {
  await db?.stop();
});

/** The first raw status of the service that normalizes to one of `statuses`. */
function rawOf(service: ServiceId, ...statuses: JobStatus[]): string {
  const entry = Object.entries(LOCAL_SERVICES[service].definition.statusMap).find(([, status]) =>
    statuses.includes(status),
  );
  if (!entry) throw new Error(`${service} has no raw status for ${statuses.join('/')}`);
  return entry[0];
}

describe.each(Object.keys(LOCAL_SERVICES) as ServiceId[])('the first run of %s', (service) => {
  it('records what ended within the look-back, marked backfilled, and reaches back only once', async () => {
    // Prepare: a failure three days ago, a success ten days ago, a running job, on the service's fake.
    const local = LOCAL_SERVICES[service];
    const driver = local.createDriver({ region: REGION, accountId: ACCOUNT });
    await driver.start();
    try {
      const rng = new Prng(7);
      const scope = driver.scoped
        ? local.lifecycle.scopeId(local.lifecycle.scopeNames[0] ?? 'a', rng)
        : undefined;
      if (scope !== undefined) driver.addScope(scope, 'backfill');
      const where = scope !== undefined ? { scope } : {};
      const ids = {
        failed: local.lifecycle.jobId(rng),
        old: local.lifecycle.jobId(rng),
        running: local.lifecycle.jobId(rng),
      };
      const ended = (days: number) => new Date(NOW - days * DAY);
      driver.submit({
        ...where,
        jobId: ids.failed,
        rawStatus: rawOf(service, JobStatus.FAILED),
        submittedAt: ended(3.1),
        endedAt: ended(3),
        message: 'Access denied reading s3://private-bucket/patients/batch-7.ndjson',
      });
      driver.submit({
        ...where,
        jobId: ids.old,
        rawStatus: rawOf(service, JobStatus.SUCCEEDED),
        submittedAt: ended(10.1),
        endedAt: ended(10),
      });
      driver.submit({
        ...where,
        jobId: ids.running,
        rawStatus: rawOf(service, JobStatus.RUNNING, JobStatus.QUEUED),
        submittedAt: ended(0.1),
      });
      const adapter = registeredService(service).module.createAdapter(
        {
          settings: { endpoint: driver.endpoint, maxAttempts: 2, requestTimeoutMs: 5_000 },
          region: REGION,
          accountId: ACCOUNT,
          log: silentLog,
        },
        {},
      );
      const store = new DynamoJobStateStore({
        client: db.doc,
        settings: { tableName: db.tableName },
        log: silentLog,
      });
      const deps = { adapter, store, log: silentLog, now: () => new Date(), remainingMs: () => 60_000 };
      const keyOf = (jobId: string): JobKey => ({
        service,
        region: REGION,
        accountId: ACCOUNT,
        ...(scope !== undefined && { scope }),
        jobId,
      });

      // Act: the first run.
      const first = await runPollCycle(deps, policy);

      // Assess
      expect(first).toMatchObject({ incomplete: false, errors: {} });
      const failed = (await store.get(keyOf(ids.failed)))?.snapshot;
      expect(failed).toMatchObject({ status: JobStatus.FAILED, backfilled: true });
      expect(failed?.failure).toMatch(/^Access denied reading <redacted>/);
      expect(JSON.stringify(failed?.failure)).not.toMatch(/private-bucket|patients|batch-7/);
      expect(await store.get(keyOf(ids.old))).toBeUndefined();
      const running = (await store.get(keyOf(ids.running)))?.snapshot;
      expect(running && isTerminal(running.status)).toBe(false);
      expect(running).not.toHaveProperty('backfilled');
      expect(await store.loadBackfillMark(service)).toBeDefined();

      // Act: a job that ended two days ago shows up later; the next run does not reach back for it.
      const late = local.lifecycle.jobId(rng);
      driver.submit({
        ...where,
        jobId: late,
        rawStatus: rawOf(service, JobStatus.FAILED),
        submittedAt: ended(2.1),
        endedAt: ended(2),
      });
      const second = await runPollCycle(deps, policy);

      // Assess
      expect(second).toMatchObject({ incomplete: false, transitions: 0 });
      expect(await store.get(keyOf(late))).toBeUndefined();
    } finally {
      await driver.stop();
    }
  }, 60_000);
});
