import { CANCEL, type LifecycleModel, type Phase, QUEUE, ticks, WORK } from '../lifecycle.js';
import type { OmicsSourceSeed } from './fake.js';

/**
 * HealthOmics reference imports: SUBMITTED → IN_PROGRESS → COMPLETED | COMPLETED_WITH_FAILURES | FAILED,
 * or (cancel) … → IN_PROGRESS → CANCELLING → CANCELLED. Sources are imported one after the other.
 */

const FAILURES = ['Source file is not a valid FASTA file.', 'Access denied to the source file.'];

export const healthOmicsLifecycle: LifecycleModel = {
  service: 'healthomics',
  scopeNames: ['references-prod', 'references-research'],
  scopeId: (_name, rng) => rng.digits(10),
  jobId: (rng) => rng.digits(10),
  jobName: () => undefined,
  locations: () => ({}),
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
      ...(outcome === 'failed' && { failureMessage: rng.pick(FAILURES) }),
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
        ...(status === 'FAILED' && { statusMessage: script.failureMessage ?? FAILURES[0] }),
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
