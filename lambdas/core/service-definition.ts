import type { NativeEventSource } from './native-events.js';
import type { ServiceId } from './service-id.js';
import type { StatusMap } from './status.js';

/** A validation rule for an id: returns why the value is invalid, or undefined when it is fine. */
export type IdRule = (value: string) => string | undefined;

/**
 * What the aggregator knows about one service without its SDK: names, status mapping, id rules, list
 * capabilities and quotas. One per service in `lambdas/services/<service>/definition.ts`. Typed with the
 * service's literal id there (`ServiceDefinition<'healthlake'>`), which is where `ServiceId` comes from.
 */
export interface ServiceDefinition<Id extends string = ServiceId> {
  /** The id used in keys, events, settings and CLI flags; the service registry derives `ServiceId` from it. */
  readonly id: Id;
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
   * Active raw statuses a job enters only after someone asked to cancel it. A status filter lists them
   * after the other active statuses: a job seldom moves into one within a cycle, and one that did is
   * described like a finished job, so the describes of finished jobs need not wait for these passes.
   */
  readonly cancelStatuses?: readonly string[];
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

/** Where a scope lives, when the job key says: the ARN's partition, region and account. */
export interface ScopePlace {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/**
 * Everything the aggregator knows about one service without its SDK: its definition and its deployment
 * facts. One per service in `lambdas/services/<service>/facts.ts`, listed in `lambdas/contract/services.ts`;
 * the CDK stack reads only these.
 */
export interface ServiceFacts<Id extends string = string> {
  readonly id: Id;
  readonly displayName: string;
  readonly definition: ServiceDefinition<Id>;
  /** Handler entry, relative to the repository root; one bundle per service, carrying only its own client. */
  readonly handlerEntry: string;
  /** Exactly the calls the adapter makes; no wildcards. */
  readonly iamActions: readonly string[];
  /** Suffix of the SDK's `AWS_ENDPOINT_URL_<SUFFIX>` variable. */
  readonly endpointEnvSuffix: string;
  readonly enabledByDefault: boolean;
  /** Default schedule, in minutes; the comment beside it says why. */
  readonly defaultScheduleMinutes: number;
  /** The service's own import-job events on the default bus; undefined when it sends none. */
  readonly nativeEvents: NativeEventSource | undefined;
  /** A warning printed at synth time when the service is enabled. */
  readonly deprecationNotice?: string;
  /**
   * The ARN of a job's scope, an event's `resources` (no import job has an ARN of its own); `place` is
   * undefined when the key has no region or account. Undefined when there is no such ARN.
   */
  scopeArn(scope: string, place: ScopePlace | undefined): string | undefined;
}
