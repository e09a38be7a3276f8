import type { StoredJob } from '../ports.js';
import { JobStatus } from '../status.js';
import type { PollPolicy } from './policy.js';

type RefreshPolicy = Pick<PollPolicy, 'progressRefreshSeconds' | 'progressRefreshLimit'>;

/**
 * Whether a known job is due a describe for its progress: running, its last describe showed progress
 * (HealthImaging's and Panorama's never do, so theirs are never refreshed), written long enough ago.
 */
export function refreshDue(
  previous: StoredJob,
  now: Date,
  policy: Pick<PollPolicy, 'progressRefreshSeconds'>,
): boolean {
  const { snapshot } = previous;
  const showsProgress =
    snapshot.progress !== undefined || snapshot.metrics !== undefined || snapshot.sources !== undefined;
  if (snapshot.status !== JobStatus.RUNNING || !showsProgress) return false;
  return (now.getTime() - Date.parse(previous.writtenAt)) / 1000 >= policy.progressRefreshSeconds;
}

/**
 * Which due jobs get a progress refresh this cycle. At most `progressRefreshLimit` do; when more are due,
 * they take turns by a hash of their key, the turn moving on with each refresh interval.
 */
export class ProgressTurns {
  private readonly limit: number;
  private readonly groups: number;
  private readonly turn: number;
  private taken = 0;

  constructor(known: Iterable<StoredJob>, now: Date, policy: RefreshPolicy) {
    this.limit = Math.max(0, Math.floor(policy.progressRefreshLimit));
    const due = [...known].filter((job) => refreshDue(job, now, policy)).length;
    this.groups = Math.max(1, Math.ceil(due / Math.max(1, this.limit)));
    this.turn = Math.floor(now.getTime() / 1000 / Math.max(1, policy.progressRefreshSeconds)) % this.groups;
  }

  /** Whether the job with this key (its formatted key) is refreshed now; counts it against the limit. */
  take(id: string): boolean {
    if (this.taken >= this.limit || fnv1a(id) % this.groups !== this.turn) return false;
    this.taken += 1;
    return true;
  }
}

/** 32-bit FNV-1a: a cheap, stable spread of job keys over the refresh groups. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
