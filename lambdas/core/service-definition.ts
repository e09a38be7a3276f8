import type { ServiceId } from './service-id.js';
import type { StatusMap } from './status.js';

/** A validation rule for an id: returns why the value is invalid, or undefined when it is fine. */
export type IdRule = (value: string) => string | undefined;

/**
 * What the aggregator knows about one service without its SDK: names, status mapping, id rules, list
 * capabilities and quotas. One per service in `lambdas/services/<service>/definition.ts`.
 */
export interface ServiceDefinition {
  readonly id: ServiceId;
  readonly displayName: string;
  /** The describe call the aggregator replaces a user's polling loop for. */
  readonly describeOperation: string;
  readonly listOperation: string;
  /** What a scope is called (`data store`), or undefined where job ids are account-wide (Panorama). */
  readonly scopeKind: string | undefined;
  readonly statusMap: StatusMap;
  readonly validateScopeId: IdRule | undefined;
  readonly validateJobId: IdRule;
  /** Server-side list filters the API offers; the poller uses them to skip finished jobs. */
  readonly listFilters: { readonly status: boolean; readonly submittedAfter: boolean };
  /** Largest page the list call accepts. */
  readonly maxPageSize: number;
  /**
   * Published request rates (per second) the poller must stay under. `sharedPerSecond` is for a service
   * that publishes one quota for its describe and list calls together: every such call takes from it too.
   */
  readonly quotas: {
    readonly describePerSecond: number;
    readonly listPerSecond: number;
    readonly sharedPerSecond?: number;
  };
}

/** Builds a rule from a regular expression and length bounds, with a message that states the rule. */
export function patternRule(pattern: RegExp, minLength: number, maxLength: number, text: string): IdRule {
  return (value) => {
    if (value.length < minLength || value.length > maxLength) {
      return `must be ${minLength}-${maxLength} characters (${text}); got ${value.length}`;
    }
    return pattern.test(value) ? undefined : `must match ${text}`;
  };
}
