import type { ServiceId } from '../lambdas/core/service-id.js';
import type { FakeAwsServer } from '../local/fakes/fake-aws-server.js';

/**
 * The services' own request quotas, as the benchmark's fakes enforce them (server side, per operation, a
 * token bucket each). Figures from ../shared/aws-apis.md; where AWS publishes no burst, the burst is one
 * second's worth of the rate.
 */
export interface ServerQuota {
  /** Operations sharing this bucket. */
  readonly operations: readonly string[];
  readonly ratePerSecond: number;
  readonly burst: number;
}

export const PUBLISHED_QUOTAS: Readonly<Record<ServiceId, readonly ServerQuota[]>> = {
  // "describe/list about 10 (older published figure)"; ListFHIRDatastores assumed the same.
  healthlake: [
    { operations: ['DescribeFHIRImportJob'], ratePerSecond: 10, burst: 10 },
    { operations: ['ListFHIRImportJobs'], ratePerSecond: 10, burst: 10 },
    { operations: ['ListFHIRDatastores'], ratePerSecond: 10, burst: 10 },
  ],
  // GetDICOMImportJob 25 (burst 50), ListDICOMImportJobs 10 (burst 20), ListDatastores 5.
  healthimaging: [
    { operations: ['GetDICOMImportJob'], ratePerSecond: 25, burst: 50 },
    { operations: ['ListDICOMImportJobs'], ratePerSecond: 10, burst: 20 },
    { operations: ['ListDatastores'], ratePerSecond: 5, burst: 5 },
  ],
  // GetReferenceImportJob + ListReferenceImportJobs share 5; ListReferenceStores 5.
  healthomics: [
    { operations: ['GetReferenceImportJob', 'ListReferenceImportJobs'], ratePerSecond: 5, burst: 5 },
    { operations: ['ListReferenceStores'], ratePerSecond: 5, burst: 5 },
  ],
  // Not published per call: "plan for about 5".
  entityresolution: [
    { operations: ['GetIdMappingJob'], ratePerSecond: 5, burst: 5 },
    { operations: ['ListIdMappingJobs'], ratePerSecond: 5, burst: 5 },
    { operations: ['ListIdMappingWorkflows'], ratePerSecond: 5, burst: 5 },
  ],
  // No published rates; the same planning figure.
  panorama: [
    { operations: ['DescribePackageImportJob'], ratePerSecond: 5, burst: 5 },
    { operations: ['ListPackageImportJobs'], ratePerSecond: 5, burst: 5 },
  ],
};

/**
 * How much faster than real time a service runs in the benchmark: its fastest bucket serves `wallRate`
 * calls per second of wall time. Every rate is multiplied by it (the fakes' buckets and the poller's own
 * pacing, through the `quotaMultiplier` setting), latency divided by it, and measured times multiplied back.
 * Bursts stay in tokens, so a bucket behaves exactly as at real speed, only sooner.
 */
export function speedupOf(service: ServiceId, wallRate: number): number {
  const fastest = Math.max(...PUBLISHED_QUOTAS[service].map((quota) => quota.ratePerSecond));
  return Math.max(1, wallRate / fastest);
}

/** Applies the quotas, `speedup` times faster, to a fake; `undefined` lifts them (for seeding). */
export function applyQuotas(server: FakeAwsServer, service: ServiceId, speedup: number | undefined): void {
  for (const quota of PUBLISHED_QUOTAS[service]) {
    server.setQuota(
      quota.operations,
      speedup === undefined
        ? undefined
        : { ratePerSecond: quota.ratePerSecond * speedup, burst: quota.burst },
    );
  }
}

/** The bucket an operation draws from, or undefined when it has no quota in the table. */
export function quotaOf(service: ServiceId, operation: string): ServerQuota | undefined {
  return PUBLISHED_QUOTAS[service].find((quota) => quota.operations.includes(operation));
}

/**
 * The quota bound of a set of calls, in real seconds: calls / rate for each bucket; buckets serve in
 * parallel, so the slowest bucket bounds the whole (bursts ignored, as in "calls / quota rate").
 */
export function quotaBoundSeconds(service: ServiceId, callsByOperation: ReadonlyMap<string, number>): number {
  let bound = 0;
  for (const quota of PUBLISHED_QUOTAS[service]) {
    const calls = quota.operations.reduce(
      (sum, operation) => sum + (callsByOperation.get(operation) ?? 0),
      0,
    );
    bound = Math.max(bound, calls / quota.ratePerSecond);
  }
  return bound;
}
