import type { ClientSettings } from '../lambdas/aws/client-config.js';
import type { ServiceAdapter } from '../lambdas/core/adapter.js';
import type { Log } from '../lambdas/core/ports.js';
import type { ServiceDefinition } from '../lambdas/core/service-definition.js';
import type { ServiceId } from '../lambdas/core/service-id.js';
import { HEALTHIMAGING_MAX_DATASTORE_PAGE } from '../lambdas/services/healthimaging/definition.js';
import { HEALTHLAKE_MAX_DATASTORE_PAGE } from '../lambdas/services/healthlake/definition.js';
import { registeredService } from '../lambdas/services/registry.js';
import type { FakeAwsServer } from '../local/fakes/fake-aws-server.js';
import { ENTITY_RESOLUTION_PAGE_MAX, FakeEntityResolution } from '../local/services/entityresolution/fake.js';
import { HealthImagingFake } from '../local/services/healthimaging/fake.js';
import { HealthLakeFake } from '../local/services/healthlake/fake.js';
import { FakeHealthOmics, OMICS_PAGE_MAX } from '../local/services/healthomics/fake.js';
import { FakePanorama } from '../local/services/panorama/fake.js';

/** Where a job is in its life; the benchmark moves jobs queued → running → done. */
export type Phase = 'queued' | 'running' | 'done';

export interface SeedJob {
  readonly scope: string | undefined;
  readonly jobId: string;
  readonly phase: Phase;
  /** For `done`: whether it failed. */
  readonly failed?: boolean;
  readonly submittedAt: Date;
  readonly endedAt?: Date;
}

export interface AdapterInit {
  readonly settings: ClientSettings;
  readonly region: string;
  readonly accountId: string;
  readonly log: Log;
}

/**
 * One service as the benchmark drives it: its fake (seeded and changed through the fake's own API), its id
 * rules, its raw statuses, and its real adapter. Running jobs carry what the service reports while they
 * run (HealthLake progress, HealthOmics sources, Entity Resolution metrics), and keep it unchanged, so a
 * describe of an unchanged running job finds nothing new.
 */
export interface BenchService {
  readonly id: ServiceId;
  readonly definition: ServiceDefinition;
  readonly server: FakeAwsServer;
  /** The scopes jobs are spread over; `[undefined]` for Panorama. */
  readonly scopes: readonly (string | undefined)[];
  /** Largest page of the scope listing (0 without scopes). */
  readonly scopePageSize: number;
  /** Whether the service has a queued state before running (Panorama has none). */
  readonly hasQueued: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  jobId(sequence: number): string;
  addJob(job: SeedJob): void;
  /** Moves a job to `phase` at time `at`. */
  move(scope: string | undefined, jobId: string, phase: Phase, at: Date, failed?: boolean): void;
  /** The real adapter, pointed at the fake. */
  createAdapter(init: AdapterInit): ServiceAdapter;
}

const SCOPES_PER_SERVICE = 2;

/** Start a fake and create its scopes; stop it. */
function lifecycle(
  fake: { start(): Promise<unknown>; stop(): Promise<void>; addScope(id: string): unknown },
  scopes: readonly string[],
): Pick<BenchService, 'start' | 'stop'> {
  return {
    start: async () => {
      await fake.start();
      for (const scope of scopes) fake.addScope(scope);
    },
    stop: () => fake.stop(),
  };
}

/**
 * The service's registered definition and its real adapter, pointed at the fake. No function settings: a
 * HealthImaging job's S3 manifest is not read (and S3 is not part of the figures).
 */
function registered(
  id: ServiceId,
  fake: { readonly endpoint: string },
): Pick<BenchService, 'id' | 'definition' | 'createAdapter'> {
  const { module } = registeredService(id);
  return {
    id,
    definition: module.facts.definition,
    createAdapter: (init) =>
      module.createAdapter({ ...init, settings: { ...init.settings, endpoint: fake.endpoint } }, {}),
  };
}

function healthLake(): BenchService {
  const fake = new HealthLakeFake();
  const scopes = Array.from({ length: SCOPES_PER_SERVICE }, (_, i) => `${'b'.repeat(31)}${i}`);
  const raw = { queued: 'QUEUED', running: 'IN_PROGRESS', done: 'COMPLETED', failed: 'FAILED' };
  const progress = { TotalNumberOfScannedFiles: 120, TotalNumberOfImportedFiles: 80 };
  return {
    ...registered('healthlake', fake),
    server: fake.server,
    scopes,
    scopePageSize: HEALTHLAKE_MAX_DATASTORE_PAGE,
    hasQueued: true,
    ...lifecycle(fake, scopes),
    jobId: (n) => `job-${n}`,
    addJob: (job) =>
      fake.addJob({
        scope: job.scope ?? '',
        jobId: job.jobId,
        status: statusOf(raw, job.phase, job.failed),
        submittedAt: job.submittedAt,
        ...(job.endedAt && { endedAt: job.endedAt }),
        ...(job.phase === 'running' && { progress }),
      }),
    move: (scope, jobId, phase, at, failed) =>
      fake.updateJob(scope ?? '', jobId, {
        status: statusOf(raw, phase, failed),
        ...(phase === 'running' && { progress }),
        ...(phase === 'done' && { endedAt: at }),
      }),
  };
}

function healthImaging(): BenchService {
  const fake = new HealthImagingFake();
  const scopes = Array.from({ length: SCOPES_PER_SERVICE }, (_, i) => `${'c'.repeat(31)}${i}`);
  const raw = { queued: 'SUBMITTED', running: 'IN_PROGRESS', done: 'COMPLETED', failed: 'FAILED' };
  return {
    ...registered('healthimaging', fake),
    server: fake.server,
    scopes,
    scopePageSize: HEALTHIMAGING_MAX_DATASTORE_PAGE,
    hasQueued: true,
    ...lifecycle(fake, scopes),
    jobId: (n) => `job${n}`,
    addJob: (job) =>
      fake.addJob({
        scope: job.scope ?? '',
        jobId: job.jobId,
        status: statusOf(raw, job.phase, job.failed),
        submittedAt: job.submittedAt,
        ...(job.endedAt && { endedAt: job.endedAt }),
      }),
    move: (scope, jobId, phase, at, failed) =>
      fake.updateJob(scope ?? '', jobId, {
        status: statusOf(raw, phase, failed),
        ...(phase === 'done' && { endedAt: at }),
      }),
  };
}

function healthOmics(): BenchService {
  const fake = new FakeHealthOmics();
  const scopes = Array.from({ length: SCOPES_PER_SERVICE }, (_, i) => `100000000${i}`);
  const raw = { queued: 'SUBMITTED', running: 'IN_PROGRESS', done: 'COMPLETED', failed: 'FAILED' };
  const sources = (phase: Phase, failed = false) => {
    const item = phase === 'queued' ? 'NOT_STARTED' : phase === 'running' ? 'IN_PROGRESS' : 'FINISHED';
    return [
      { status: item, sourceFile: 's3://omics-input/ref-a.fasta', name: 'ref-a' },
      { status: failed ? 'FAILED' : item, sourceFile: 's3://omics-input/ref-b.fasta', name: 'ref-b' },
    ];
  };
  return {
    ...registered('healthomics', fake),
    server: fake.server,
    scopes,
    scopePageSize: OMICS_PAGE_MAX,
    hasQueued: true,
    ...lifecycle(fake, scopes),
    jobId: (n) => String(5_000_000_000 + n),
    addJob: (job) =>
      fake.addJob({
        referenceStoreId: job.scope ?? '',
        id: job.jobId,
        status: statusOf(raw, job.phase, job.failed),
        creationTime: job.submittedAt,
        ...(job.endedAt && { completionTime: job.endedAt }),
        sources: sources(job.phase, job.failed),
      }),
    move: (scope, jobId, phase, at, failed) =>
      fake.updateJob(scope ?? '', jobId, {
        status: statusOf(raw, phase, failed),
        sources: sources(phase, failed),
        ...(phase === 'done' && { completionTime: at }),
      }),
  };
}

function entityResolution(): BenchService {
  const fake = new FakeEntityResolution();
  const scopes = Array.from({ length: SCOPES_PER_SERVICE }, (_, i) => `bench-workflow-${i}`);
  const raw = { queued: 'QUEUED', running: 'RUNNING', done: 'SUCCEEDED', failed: 'FAILED' };
  const metrics = (phase: Phase) =>
    phase === 'queued'
      ? undefined
      : { inputRecords: 1000, totalRecordsProcessed: phase === 'done' ? 1000 : 400, recordsNotProcessed: 0 };
  return {
    ...registered('entityresolution', fake),
    server: fake.server,
    scopes,
    scopePageSize: ENTITY_RESOLUTION_PAGE_MAX,
    hasQueued: true,
    ...lifecycle(fake, scopes),
    jobId: (n) => n.toString(16).padStart(32, '0'),
    addJob: (job) => {
      const counters = metrics(job.phase);
      fake.addJob({
        workflowName: job.scope ?? '',
        jobId: job.jobId,
        status: statusOf(raw, job.phase, job.failed),
        startTime: job.submittedAt,
        ...(job.endedAt && { endTime: job.endedAt }),
        ...(counters && { metrics: counters }),
      });
    },
    move: (scope, jobId, phase, at, failed) =>
      fake.updateJob(scope ?? '', jobId, {
        status: statusOf(raw, phase, failed),
        metrics: metrics(phase),
        ...(phase === 'done' && { endTime: at }),
      }),
  };
}

function panorama(): BenchService {
  const fake = new FakePanorama();
  // PENDING is Panorama's only non-terminal status: a job is "running" from the start.
  const raw = { queued: 'PENDING', running: 'PENDING', done: 'SUCCEEDED', failed: 'FAILED' };
  return {
    ...registered('panorama', fake),
    server: fake.server,
    scopes: [undefined],
    scopePageSize: 0,
    hasQueued: false,
    start: () => fake.start().then(() => undefined),
    stop: () => fake.stop(),
    jobId: (n) => `package-import-${n}`,
    addJob: (job) =>
      fake.addJob({
        JobId: job.jobId,
        Status: statusOf(raw, job.phase, job.failed),
        CreatedTime: job.submittedAt,
        LastUpdatedTime: job.endedAt ?? job.submittedAt,
      }),
    move: (_scope, jobId, phase, at, failed) =>
      fake.updateJob(undefined, jobId, { Status: statusOf(raw, phase, failed), LastUpdatedTime: at }),
  };
}

function statusOf(
  raw: { queued: string; running: string; done: string; failed: string },
  phase: Phase,
  failed = false,
): string {
  if (phase === 'done') return failed ? raw.failed : raw.done;
  return raw[phase];
}

export const BENCH_SERVICES: Readonly<Record<ServiceId, () => BenchService>> = {
  healthlake: healthLake,
  healthimaging: healthImaging,
  healthomics: healthOmics,
  entityresolution: entityResolution,
  panorama,
};
