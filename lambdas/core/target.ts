import type { Target } from '../contract/hub.js';
import type { JobKey } from './job-key.js';

export type { Target } from '../contract/hub.js';

/** `accountId:region`: how logs and the `target` metric dimension name a target (as the `targets` setting lists it). */
export function targetLabel(target: Target): string {
  return `${target.accountId}:${target.region}`;
}

/** True when the job belongs to the target's account and region. */
export function inTarget(key: JobKey, target: Target): boolean {
  return key.accountId === target.accountId && key.region === target.region;
}

export function sameTarget(a: Target, b: Target): boolean {
  return a.accountId === b.accountId && a.region === b.region;
}
