import type { JobLocator, ListedJob, ServiceAdapter } from '../../../lambdas/core/adapter.js';
import type { JobKey } from '../../../lambdas/core/job-key.js';
import type { ServiceId } from '../../../lambdas/core/service-id.js';
import type { JobSnapshot } from '../../../lambdas/core/snapshot.js';
import { normalizeStatus } from '../../../lambdas/core/status.js';
import type { AdapterInit, ServiceModule } from '../../../lambdas/services/service-module.js';
import { sixthDefinition, sixthFacts } from './facts.js';

/** The sixth service's backend: projects and their jobs' raw statuses, changed by the test. */
export const sixthBackend = { projects: new Map<string, Map<string, string>>() };

/** The sixth service's adapter, over the in-memory backend instead of an SDK client. */
class SixthAdapter implements ServiceAdapter {
  readonly definition = sixthDefinition as unknown as ServiceAdapter['definition'];

  constructor(private readonly init: AdapterInit) {}

  async *listScopes(): AsyncIterable<string | undefined> {
    yield* sixthBackend.projects.keys();
  }

  async *listJobs(scope: string | undefined): AsyncIterable<ListedJob> {
    for (const [jobId, rawStatus] of sixthBackend.projects.get(scope ?? '') ?? []) {
      yield { ok: true, snapshot: this.snapshot({ ...(scope && { scope }), jobId }, rawStatus, 'summary') };
    }
  }

  async describeJob(job: JobLocator): Promise<JobSnapshot> {
    const rawStatus = sixthBackend.projects.get(job.scope ?? '')?.get(job.jobId);
    if (rawStatus === undefined) throw new Error(`no job ${job.jobId}`);
    return this.snapshot(job, rawStatus, 'full');
  }

  private snapshot(job: JobLocator, rawStatus: string, detail: JobSnapshot['detail']): JobSnapshot {
    const key: JobKey = {
      // The id is not one of the five the type knows: the registry adds it at run time.
      service: sixthFacts.id as unknown as ServiceId,
      region: this.init.region,
      ...(this.init.accountId && { accountId: this.init.accountId }),
      ...(job.scope && { scope: job.scope }),
      jobId: job.jobId,
    };
    const status = normalizeStatus(sixthDefinition.statusMap, rawStatus);
    return { key, status, rawStatus, observedAt: new Date().toISOString(), detail };
  }
}

/** What `lambdas/services/<service>/index.ts` exports for a real service. */
export const sixthService: ServiceModule<'sixth'> = {
  facts: sixthFacts,
  createAdapter: (init) => new SixthAdapter(init),
};
