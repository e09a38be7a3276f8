import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_IDS, type ServiceId } from '../../lambdas/core/service-id.js';
import { isTerminal, normalizeStatus } from '../../lambdas/core/status.js';
import type { HealthLakeFake } from '../../local/services/healthlake/fake.js';
import { LOCAL_SERVICES } from '../../local/services/registry.js';
import { Prng } from '../../local/simulator/prng.js';
import { IMAGING_OUTPUT_BUCKET, Simulator } from '../../local/simulator/simulator.js';

describe('the seeded generator', () => {
  it('replays the same sequence for the same seed, and another for another seed', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, () => new Prng(seed).next());
    const a = new Prng(7);
    const b = new Prng(7);
    expect(Array.from({ length: 20 }, () => a.next())).toEqual(Array.from({ length: 20 }, () => b.next()));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('keeps its draws in range', () => {
    const rng = new Prng(1);
    for (let index = 0; index < 1000; index += 1) {
      const value = rng.int(3, 5);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(5);
    }
    expect(rng.hex(32)).toMatch(/^[0-9a-f]{32}$/);
    expect(rng.digits(10)).toMatch(/^[1-9][0-9]{9}$/);
  });
});

describe('lifecycle scripts', () => {
  it.each(SERVICE_IDS)('%s: real raw statuses, every status at least one tick, a terminal end', (service) => {
    const rng = new Prng(99);
    const definition = LOCAL_SERVICES[service].definition;
    for (let index = 0; index < 200; index += 1) {
      for (const speed of [1, 4, 50]) {
        // Act
        const script = LOCAL_SERVICES[service].lifecycle.plan(rng, speed);

        // Assess
        const phases = script.phases;
        for (const phase of phases) expect(Object.keys(definition.statusMap)).toContain(phase.rawStatus);
        const final = phases.at(-1);
        expect(final && isTerminal(normalizeStatus(definition.statusMap, final.rawStatus))).toBe(true);
        for (const phase of phases.slice(0, -1)) {
          expect(phase.ticks).toBeGreaterThanOrEqual(1);
          expect(isTerminal(normalizeStatus(definition.statusMap, phase.rawStatus))).toBe(false);
        }
      }
    }
  });

  it('covers partial success, failure and cancels over many jobs', () => {
    const rng = new Prng(5);
    const outcomes = (service: ServiceId) =>
      new Set(Array.from({ length: 200 }, () => LOCAL_SERVICES[service].lifecycle.plan(rng, 1).outcome));
    expect(outcomes('healthlake')).toEqual(new Set(['succeeded', 'partial', 'failed', 'cancelled']));
    expect(outcomes('healthomics')).toEqual(new Set(['succeeded', 'partial', 'failed', 'cancelled']));
    expect(outcomes('healthimaging')).toEqual(new Set(['succeeded', 'partial', 'failed']));
    expect(outcomes('entityresolution')).toEqual(new Set(['succeeded', 'failed']));
    expect(outcomes('panorama')).toEqual(new Set(['succeeded', 'failed']));
  });
});

describe('the simulator', () => {
  const simulator = new Simulator({ jobsPerService: 4, seed: 11, speed: 3, throttleRate: 0.5 });

  beforeAll(async () => {
    await simulator.start();
  });

  afterAll(async () => {
    await simulator.stop();
  });

  it('plans the same jobs for the same seed, whichever services run', () => {
    const plan = (services?: ServiceId[]) => {
      // The whole run is planned when the simulator is made, before any port opens.
      const other = new Simulator({ jobsPerService: 4, seed: 11, speed: 3, ...(services && { services }) });
      return other
        .jobs()
        .filter((job) => job.service === 'healthomics')
        .map((job) => [job.jobKey, job.script.phases.map((phase) => phase.rawStatus)]);
    };
    expect(plan(['healthomics'])).toEqual(plan());
    const ours = simulator
      .jobs()
      .filter((job) => job.service === 'healthomics')
      .map((job) => [job.jobKey, job.script.phases.map((phase) => phase.rawStatus)]);
    expect(ours).toEqual(plan());
  });

  it('moves every job through its script, one status per tick at most, and keeps the ground truth', () => {
    // Act
    const armed: number[] = [];
    for (let tick = 0; tick < 200 && !simulator.allFinished(); tick += 1) {
      armed.push(simulator.advance().throttlesArmed.length);
    }

    // Assess
    expect(simulator.allFinished()).toBe(true);
    expect(Math.max(...armed)).toBeLessThanOrEqual(SERVICE_IDS.length);
    for (const job of simulator.watchedJobs()) {
      expect(job.statuses.map((status) => status.rawStatus)).toEqual(
        job.script.phases.map((phase) => phase.rawStatus),
      );
      const ticks = job.statuses.map((status) => status.tick);
      expect(new Set(ticks).size).toBe(ticks.length);
      expect(job.statuses[0]?.tick).toBe(job.arrivalTick);
    }
    // Jobs that ended days ago are in the fakes, never in the ground truth of the run.
    const old = simulator.jobs().filter((job) => job.finishedBeforeStart);
    expect(old).toHaveLength(2 * SERVICE_IDS.length);
    expect(old.every((job) => job.statuses.length === 0)).toBe(true);
  });

  it('leaves each fake with the final status, and HealthImaging manifests that count failed files', () => {
    const lake = simulator.drivers.get('healthlake') as unknown as { fake: HealthLakeFake };
    for (const job of simulator.watchedJobs().filter((candidate) => candidate.service === 'healthlake')) {
      const stored = lake.fake.getJob(job.scope ?? '', job.jobId);
      expect(stored?.status).toBe(job.statuses.at(-1)?.rawStatus);
      expect(stored?.endedAt).toBeInstanceOf(Date);
      if (job.script.outcome !== 'cancelled' || job.script.phases.some((phase) => phase.working)) {
        expect(stored?.progress?.TotalNumberOfScannedFiles).toBeGreaterThan(0);
      }
    }
    const imaging = simulator.watchedJobs().filter((job) => job.service === 'healthimaging');
    for (const job of imaging) {
      const manifest = simulator.s3.get(
        IMAGING_OUTPUT_BUCKET,
        `${job.scope}-DicomImport-${job.jobId}/job-output-manifest.json`,
      );
      if (job.script.outcome === 'failed') {
        expect(manifest).toBeUndefined();
        continue;
      }
      const summary = JSON.parse(manifest ?? '{}').jobSummary;
      expect(summary.jobId).toBe(job.jobId);
      expect(summary.numberOfFilesWithCustomerError).toBe(job.script.failedUnits);
    }
  });
});
