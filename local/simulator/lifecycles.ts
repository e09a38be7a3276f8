import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { OmicsSourceSeed } from '../services/healthomics/fake.js';
import type { JobChange } from './drivers.js';
import type { Prng } from './prng.js';

/**
 * The life of one simulated job, per service, in each service's real raw statuses:
 *
 *   HealthLake     SUBMITTED → QUEUED → IN_PROGRESS → COMPLETED | COMPLETED_WITH_ERRORS | FAILED
 *                  (cancel) … → CANCEL_SUBMITTED → CANCEL_IN_PROGRESS → CANCEL_COMPLETED
 *   HealthImaging  SUBMITTED → IN_PROGRESS → COMPLETED (its manifest may count failed files) | FAILED
 *   HealthOmics    SUBMITTED → IN_PROGRESS → COMPLETED | COMPLETED_WITH_FAILURES | FAILED
 *                  (cancel) … → IN_PROGRESS → CANCELLING → CANCELLED
 *   Entity Res.    QUEUED → RUNNING → SUCCEEDED | FAILED
 *   Panorama       PENDING → SUCCEEDED | FAILED
 *
 * Durations are counted in ticks (one tick = one poll interval) and every status lasts at least one tick,
 * so a poller that runs once a tick sees every status: the history can be compared with this script
 * status for status. Detail that moves while a job runs (HealthLake's progress report, HealthOmics'
 * per-source statuses) grows tick by tick.
 */

/** How a job ends. */
export type Outcome = 'succeeded' | 'partial' | 'failed' | 'cancelled';

export interface Phase {
  readonly rawStatus: string;
  /** Ticks in this status before the next; 0 for the final status. */
  readonly ticks: number;
  /** The phase in which the job does its work: progress grows through it. */
  readonly working?: boolean;
}

/** Everything decided up front about one job: its statuses and the size of its work. */
export interface JobScript {
  readonly outcome: Outcome;
  readonly phases: readonly Phase[];
  /** Units of work: files (HealthLake, HealthImaging), sources (HealthOmics), records (Entity Resolution). */
  readonly size: number;
  /** Units that fail (partial success), or the reason of a failure. */
  readonly failedUnits: number;
  readonly failureMessage?: string;
}

/** Where a running job stands, for detail such as progress counters. */
export interface JobPosition {
  readonly script: JobScript;
  readonly phaseIndex: number;
  /** 0 when the phase begins, towards 1 as it ends. */
  readonly fraction: number;
  /** Work done, 0..1, over the whole life (1 once the working phase is over). */
  readonly workDone: number;
  readonly jobId: string;
}

export interface LifecycleModel {
  readonly service: ServiceId;
  /** The script of a new job. `speed` divides every duration; no status lasts less than one tick. */
  plan(rng: Prng, speed: number): JobScript;
  /** The detail to send with the job at this position (no raw status: the simulator adds that). */
  detail(position: JobPosition): JobChange;
}

/** Ticks for a phase whose base length (at speed 1) lies in [min, max]. */
function ticks(rng: Prng, speed: number, min: number, max: number): number {
  return Math.max(1, Math.round(rng.int(min, max) / speed));
}

const QUEUE = [2, 4] as const;
const WORK = [5, 12] as const;
const CANCEL = [1, 3] as const;
/**
 * Now and then a job without progress counters runs three to four times longer than the longest usual
 * one: long enough for local mode's default stall threshold (twice the longest usual run, see
 * local/runner/environment.ts) to report it, with room to spare for cycles that take longer than planned.
 */
const SLOW_WORK = [36, 50] as const;
const SLOW_CHANCE = 0.1;

function workTicks(rng: Prng, speed: number): number {
  return rng.chance(SLOW_CHANCE) ? ticks(rng, speed, ...SLOW_WORK) : ticks(rng, speed, ...WORK);
}

const HEALTHLAKE_FAILURES = [
  'Import failed: the data access role cannot read the input S3 location.',
  'Import failed: the input files are not valid NDJSON.',
  'Import failed: the customer managed KMS key is disabled.',
];

export const healthLakeLifecycle: LifecycleModel = {
  service: 'healthlake',
  plan(rng, speed) {
    const outcome = rng.weighted({ succeeded: 55, partial: 15, failed: 15, cancelled: 15 });
    const size = rng.int(20, 400);
    const phases: Phase[] = [
      { rawStatus: 'SUBMITTED', ticks: ticks(rng, speed, ...QUEUE) },
      { rawStatus: 'QUEUED', ticks: ticks(rng, speed, ...QUEUE) },
    ];
    if (outcome === 'cancelled') {
      // Cancelled while queued, or part-way through the import.
      if (rng.chance(0.6))
        phases.push({ rawStatus: 'IN_PROGRESS', ticks: ticks(rng, speed, 2, 5), working: true });
      phases.push(
        { rawStatus: 'CANCEL_SUBMITTED', ticks: ticks(rng, speed, ...CANCEL) },
        { rawStatus: 'CANCEL_IN_PROGRESS', ticks: ticks(rng, speed, ...CANCEL) },
        { rawStatus: 'CANCEL_COMPLETED', ticks: 0 },
      );
      return { outcome, phases, size, failedUnits: 0 };
    }
    phases.push({ rawStatus: 'IN_PROGRESS', ticks: ticks(rng, speed, ...WORK), working: true });
    const final = { succeeded: 'COMPLETED', partial: 'COMPLETED_WITH_ERRORS', failed: 'FAILED' }[outcome];
    phases.push({ rawStatus: final, ticks: 0 });
    return {
      outcome,
      phases,
      size,
      failedUnits: outcome === 'partial' ? rng.int(1, Math.max(1, Math.floor(size / 10))) : 0,
      ...(outcome === 'failed' && { failureMessage: rng.pick(HEALTHLAKE_FAILURES) }),
    };
  },
  detail({ script, phaseIndex, workDone }) {
    // Files are scanned, then their resources imported; errors appear as the scan reaches them.
    const files = Math.round(script.size * workDone);
    const resources = files * 120;
    const errors = Math.round(script.failedUnits * workDone) * 3;
    const progress = {
      TotalNumberOfScannedFiles: files,
      TotalSizeOfScannedFilesInMB: Math.round(files * 4.2 * 10) / 10,
      TotalNumberOfImportedFiles: Math.max(0, files - Math.round(script.failedUnits * workDone)),
      TotalNumberOfResourcesScanned: resources,
      TotalNumberOfResourcesImported: Math.max(0, resources - errors),
      TotalNumberOfResourcesWithCustomerError: errors,
      TotalNumberOfFilesReadWithCustomerError: Math.round(script.failedUnits * workDone),
    };
    const final = phaseIndex === script.phases.length - 1;
    const message = !final
      ? undefined
      : script.outcome === 'partial'
        ? `Import completed with errors: ${errors} resources failed validation.`
        : script.outcome === 'failed'
          ? script.failureMessage
          : script.outcome === 'cancelled'
            ? 'Import cancelled by request.'
            : undefined;
    // Nothing is scanned before the import starts: no report yet.
    return { ...(workDone > 0 && { progress }), ...(message !== undefined && { message }) };
  },
};

const IMAGING_FAILURES = [
  'The input S3 location contains no DICOM P10 files.',
  'Access denied reading the input S3 location.',
];

export const healthImagingLifecycle: LifecycleModel = {
  service: 'healthimaging',
  plan(rng, speed) {
    const outcome = rng.weighted({ succeeded: 60, partial: 20, failed: 20 });
    const size = rng.int(50, 2000);
    return {
      outcome,
      phases: [
        { rawStatus: 'SUBMITTED', ticks: ticks(rng, speed, ...QUEUE) },
        { rawStatus: 'IN_PROGRESS', ticks: workTicks(rng, speed), working: true },
        // Partial success is COMPLETED on the API: only the output manifest counts the failed files.
        { rawStatus: outcome === 'failed' ? 'FAILED' : 'COMPLETED', ticks: 0 },
      ],
      size,
      failedUnits: outcome === 'partial' ? rng.int(1, Math.max(1, Math.floor(size / 20))) : 0,
      ...(outcome === 'failed' && { failureMessage: rng.pick(IMAGING_FAILURES) }),
    };
  },
  detail({ script, phaseIndex }) {
    const final = phaseIndex === script.phases.length - 1;
    return final && script.failureMessage ? { message: script.failureMessage } : {};
  },
};

const OMICS_FAILURES = ['Source file is not a valid FASTA file.', 'Access denied to the source file.'];

export const healthOmicsLifecycle: LifecycleModel = {
  service: 'healthomics',
  plan(rng, speed) {
    const outcome = rng.weighted({ succeeded: 55, partial: 15, failed: 15, cancelled: 15 });
    const size = rng.int(1, 4);
    const work = ticks(rng, speed, ...WORK);
    const phases: Phase[] = [{ rawStatus: 'SUBMITTED', ticks: ticks(rng, speed, ...QUEUE) }];
    if (outcome === 'cancelled') {
      phases.push(
        { rawStatus: 'IN_PROGRESS', ticks: Math.max(1, Math.floor(work / 2)), working: true },
        { rawStatus: 'CANCELLING', ticks: ticks(rng, speed, ...CANCEL) },
        { rawStatus: 'CANCELLED', ticks: 0 },
      );
      return { outcome, phases, size, failedUnits: 0 };
    }
    phases.push({ rawStatus: 'IN_PROGRESS', ticks: work, working: true });
    const final = { succeeded: 'COMPLETED', partial: 'COMPLETED_WITH_FAILURES', failed: 'FAILED' }[outcome];
    phases.push({ rawStatus: final, ticks: 0 });
    return {
      outcome,
      phases,
      // A partial success needs at least two sources: one that finished, one that failed.
      size: outcome === 'partial' ? Math.max(2, size) : size,
      failedUnits: outcome === 'partial' ? 1 : outcome === 'failed' ? Math.max(2, size) : 0,
      ...(outcome === 'failed' && { failureMessage: rng.pick(OMICS_FAILURES) }),
    };
  },
  detail({ script, phaseIndex, workDone }) {
    const final = phaseIndex === script.phases.length - 1;
    const sources: OmicsSourceSeed[] = [];
    for (let index = 0; index < script.size; index += 1) {
      const name = `GRCh38-part${index + 1}`;
      // Sources are imported one after the other; each takes an equal share of the work.
      const start = index / script.size;
      const end = (index + 1) / script.size;
      let status = workDone >= end ? 'FINISHED' : workDone > start ? 'IN_PROGRESS' : 'NOT_STARTED';
      const failing = index >= script.size - script.failedUnits;
      if (final && script.outcome !== 'cancelled') status = failing ? 'FAILED' : 'FINISHED';
      sources.push({
        status,
        name,
        sourceFile: `s3://sim-references/${name}.fasta`,
        ...(status === 'FAILED' && { statusMessage: script.failureMessage ?? OMICS_FAILURES[0] }),
      });
    }
    const message =
      final && script.outcome === 'failed'
        ? script.failureMessage
        : final && script.outcome === 'partial'
          ? `${script.failedUnits} of ${script.size} sources failed.`
          : undefined;
    return { sources, ...(message !== undefined && { message }) };
  },
};

export const entityResolutionLifecycle: LifecycleModel = {
  service: 'entityresolution',
  plan(rng, speed) {
    const outcome = rng.weighted({ succeeded: 70, failed: 30 });
    return {
      outcome,
      phases: [
        { rawStatus: 'QUEUED', ticks: ticks(rng, speed, ...QUEUE) },
        { rawStatus: 'RUNNING', ticks: workTicks(rng, speed), working: true },
        { rawStatus: outcome === 'failed' ? 'FAILED' : 'SUCCEEDED', ticks: 0 },
      ],
      size: rng.int(1_000, 250_000),
      failedUnits: 0,
      ...(outcome === 'failed' && {
        failureMessage: rng.pick([
          'The schema mapping does not match the input table.',
          'Insufficient permissions on the AWS Glue table.',
        ]),
      }),
    };
  },
  detail({ script, phaseIndex }) {
    if (phaseIndex !== script.phases.length - 1) return {};
    if (script.outcome === 'failed') return script.failureMessage ? { message: script.failureMessage } : {};
    const mapped = Math.round(script.size * 0.83);
    return {
      metrics: {
        inputRecords: script.size,
        totalRecordsProcessed: script.size,
        recordsNotProcessed: 0,
        totalMappedRecords: mapped,
        totalMappedSourceRecords: mapped,
        totalMappedTargetRecords: Math.round(mapped * 0.97),
        uniqueRecordsLoaded: Math.round(script.size * 0.91),
      },
    };
  },
};

export const panoramaLifecycle: LifecycleModel = {
  service: 'panorama',
  plan(rng, speed) {
    const outcome = rng.weighted({ succeeded: 75, failed: 25 });
    return {
      outcome,
      // PENDING is Panorama's only non-terminal status: the whole import.
      phases: [
        {
          rawStatus: 'PENDING',
          ticks: rng.chance(SLOW_CHANCE) ? ticks(rng, speed, ...SLOW_WORK) : ticks(rng, speed, 4, 10),
          working: true,
        },
        { rawStatus: outcome === 'failed' ? 'FAILED' : 'SUCCEEDED', ticks: 0 },
      ],
      size: 1,
      failedUnits: 0,
      ...(outcome === 'failed' && { failureMessage: 'The package manifest is not valid.' }),
    };
  },
  detail({ script, phaseIndex, jobId }) {
    if (phaseIndex !== script.phases.length - 1) return {};
    if (script.failureMessage) return { message: script.failureMessage };
    return {
      packageOutput: { packageId: `package-${jobId.slice(-12)}`, version: '1.0', patch: jobId.slice(-8) },
    };
  },
};

export const LIFECYCLES: Readonly<Record<ServiceId, LifecycleModel>> = {
  healthlake: healthLakeLifecycle,
  healthimaging: healthImagingLifecycle,
  healthomics: healthOmicsLifecycle,
  entityresolution: entityResolutionLifecycle,
  panorama: panoramaLifecycle,
};
