import { serviceFacts } from '../../lambdas/contract/services.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { Prng } from '../simulator/prng.js';

/**
 * The import-job events AWS puts on the default bus when a job changes, built from a simulated job's new
 * status, and a little post office that delivers them the way EventBridge may: twice, late, out of order.
 * Only the ids matter to the poller (it describes the job for its current status), so a late or reordered
 * event must never move a job backwards.
 */
export interface NativeEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, string>;
}

/** HealthLake's and HealthImaging's detail-types by raw status; cancel statuses have no event. */
const DETAIL_TYPES: Readonly<Record<string, string>> = {
  SUBMITTED: 'Import Job Submitted',
  QUEUED: 'Import Job Queued',
  IN_PROGRESS: 'Import Job In Progress',
  COMPLETED: 'Import Job Completed',
  COMPLETED_WITH_ERRORS: 'Import Job Completed With Errors',
  FAILED: 'Import Job Failed',
};

/** The event AWS would send for a job entering `rawStatus`, or undefined when it sends none. */
export function nativeEventFor(
  service: ServiceId,
  job: { readonly scope?: string; readonly jobId: string },
  rawStatus: string,
): NativeEvent | undefined {
  const spec = serviceFacts(service).nativeEvents;
  if (!spec || job.scope === undefined) return undefined;
  const detailType =
    service === 'healthomics' ? 'Reference Import Job Status Change' : DETAIL_TYPES[rawStatus];
  if (!detailType || !spec.detailTypes.includes(detailType)) return undefined;
  return {
    source: spec.source,
    'detail-type': detailType,
    detail: {
      [spec.scopeField]: job.scope,
      [spec.jobIdField]: job.jobId,
      ...(service === 'healthomics' && { status: rawStatus }),
    },
  };
}

export interface Delivery {
  readonly service: ServiceId;
  readonly event: NativeEvent;
}

export interface PostOfficeCounts {
  sent: number;
  duplicated: number;
  delayed: number;
  reordered: number;
}

/** Holds events between rounds and decides, from the seed, what each round delivers. */
export class NativePostOffice {
  readonly counts: PostOfficeCounts = { sent: 0, duplicated: 0, delayed: 0, reordered: 0 };
  private held: Delivery[] = [];

  constructor(private readonly rng: Prng) {}

  /**
   * This round's deliveries: the events held back last time first, then `fresh` with `duplicate` of them
   * sent twice and `late` of them held back for the next round; `reorder` reverses the whole list.
   */
  take(fresh: readonly Delivery[], plan: { duplicate: number; late: number; reorder: boolean }): Delivery[] {
    const now = [...this.held];
    this.held = [];
    const events = [...fresh];
    for (let index = 0; index < plan.late && events.length > 0; index += 1) {
      const [delayed] = events.splice(this.rng.int(0, events.length - 1), 1);
      if (delayed) {
        this.held.push(delayed);
        this.counts.delayed += 1;
      }
    }
    now.push(...events);
    for (let index = 0; index < plan.duplicate && events.length > 0; index += 1) {
      now.push(this.rng.pick(events));
      this.counts.duplicated += 1;
    }
    if (plan.reorder && now.length > 1) {
      now.reverse();
      this.counts.reordered += now.length;
    }
    this.counts.sent += now.length;
    return now;
  }

  /** Whatever is still held back (delivered in the final clean round). */
  flush(): Delivery[] {
    const rest = this.held;
    this.held = [];
    this.counts.sent += rest.length;
    return rest;
  }
}
