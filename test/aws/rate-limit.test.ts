import { describe, expect, it } from 'vitest';
import { callService } from '../../lambdas/aws/call-service.js';
import {
  type CallGate,
  QuotaLimiter,
  quotaPlan,
  rateLimited,
  TokenBucket,
} from '../../lambdas/aws/rate-limit.js';
import type { JobLocator, ListedJob, ServiceAdapter } from '../../lambdas/core/adapter.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';
import { healthImagingDefinition } from '../../lambdas/services/healthimaging/definition.js';
import { healthOmicsDefinition } from '../../lambdas/services/healthomics/definition.js';

/** A clock the test moves, and a sleep that moves it. */
function manualTime() {
  let now = 0;
  const slept: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
    },
    advance: (ms: number) => {
      now += ms;
    },
    slept,
  };
}

describe('TokenBucket', () => {
  it('serves its burst at once, then refuses until the rate refills it', () => {
    const time = manualTime();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2 }, time.clock, time.sleep);

    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
    time.advance(99);
    expect(bucket.tryTake()).toBe(false);
    time.advance(1);
    expect(bucket.tryTake()).toBe(true);
  });

  it('makes waiting callers take turns at the rate, in the order they asked', async () => {
    const time = manualTime();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 1 }, time.clock, time.sleep);

    const waits = await Promise.all([bucket.take(), bucket.take(), bucket.take(), bucket.take()]);

    expect(waits.map(Math.round)).toEqual([0, 100, 200, 300]);
  });

  it('refuses a rate or burst it cannot keep', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 5, burst: 0.5 })).toThrow(RangeError);
  });
});

describe('quotaPlan and QuotaLimiter', () => {
  it('paces at the published rates times the multiplier, without bursting', () => {
    expect(quotaPlan(healthImagingDefinition, 2)).toEqual({
      describe: { ratePerSecond: 50, burst: 1 },
      list: { ratePerSecond: 20, burst: 1 },
      scopes: { ratePerSecond: 20, burst: 1 },
    });
    expect(() => quotaPlan(healthImagingDefinition, 0)).toThrow(RangeError);
  });

  it('draws describe, list and scope calls from their own buckets and leaves other calls alone', async () => {
    const time = manualTime();
    const limiter = new QuotaLimiter(
      healthImagingDefinition,
      {
        describe: { ratePerSecond: 10, burst: 1 },
        list: { ratePerSecond: 10, burst: 1 },
        scopes: { ratePerSecond: 10, burst: 1 },
      },
      time.clock,
    );

    // One of each kind goes at once (own buckets); the S3 manifest read is not paced at all.
    for (const operation of ['GetDICOMImportJob', 'ListDICOMImportJobs', 'ListDatastores']) {
      await limiter.pass(operation);
    }
    await limiter.pass('GetObject job-output-manifest.json');
    expect(limiter.stats).toEqual({ calls: 3, waitedMs: 0 });
  });

  it('takes from a shared bucket too when the definition names one', () => {
    const definition = {
      ...healthImagingDefinition,
      quotas: { describePerSecond: 5, listPerSecond: 5, sharedPerSecond: 5 },
    };
    expect(quotaPlan(definition).shared).toEqual({ ratePerSecond: 5, burst: 1 });
  });

  it('keeps HealthOmics describes and lists together under their one shared rate', async () => {
    // 100 calls per second for each kind and for both together: 21 calls alternating between the kinds
    // need 20 intervals of 10 ms at the shared rate; two separate buckets alone would let them through in
    // half that time.
    const limiter = new QuotaLimiter(healthOmicsDefinition, quotaPlan(healthOmicsDefinition, 20));
    const started = performance.now();
    for (let call = 0; call < 21; call += 1) {
      await limiter.pass(call % 2 === 0 ? 'GetReferenceImportJob' : 'ListReferenceImportJobs');
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(180);
    expect(limiter.stats.calls).toBe(21);
  });
});

describe('rateLimited', () => {
  /** An adapter that makes its SDK calls through `callService`, as the real adapters do. */
  const adapter: ServiceAdapter = {
    definition: healthImagingDefinition,
    async *listScopes() {
      await callService('healthimaging', 'ListDatastores', undefined, async () => 'page');
      yield 'store';
    },
    async *listJobs(): AsyncIterable<ListedJob> {
      for (let page = 0; page < 3; page += 1) {
        await callService('healthimaging', 'ListDICOMImportJobs', undefined, async () => page);
      }
    },
    async describeJob(job: JobLocator): Promise<JobSnapshot> {
      await callService('healthimaging', 'GetDICOMImportJob', undefined, async () => job.jobId);
      throw new Error('not needed');
    },
  };

  it('passes every call the adapter makes through the gate, page by page', async () => {
    const passed: string[] = [];
    const gate: CallGate = {
      pass: async (operation) => {
        passed.push(operation);
      },
    };
    const limited = rateLimited(adapter, gate);

    for await (const _ of limited.listScopes()) {
      // one scope
    }
    for await (const _ of limited.listJobs('store')) {
      // three empty pages
    }
    await expect(limited.describeJob({ scope: 'store', jobId: 'j1' })).rejects.toThrow('not needed');

    expect(passed).toEqual([
      'ListDatastores',
      'ListDICOMImportJobs',
      'ListDICOMImportJobs',
      'ListDICOMImportJobs',
      'GetDICOMImportJob',
    ]);
  });

  it('paces nothing outside the decorated adapter', async () => {
    const passed: string[] = [];
    rateLimited(adapter, { pass: async (operation) => void passed.push(operation) });

    await expect(adapter.describeJob({ scope: 'store', jobId: 'j1' })).rejects.toThrow('not needed');

    expect(passed).toEqual([]);
  });
});
