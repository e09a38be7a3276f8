import type { JobLocator } from './adapter.js';
import type { Target } from './target.js';

/**
 * The import-job events AWS services put on the default bus. They are a fast path (seconds instead of a
 * poll interval), never a replacement for polling: no cancel events, no progress, best-effort delivery for
 * two of the three, and nothing at all from Entity Resolution or Panorama. Each service's facts
 * (`lambdas/services/<service>/facts.ts`) say which, if any, it sends.
 */
export interface NativeEventSource {
  readonly source: string;
  readonly detailTypes: readonly string[];
  /** Detail fields holding the scope and the job id. */
  readonly scopeField: string;
  readonly jobIdField: string;
}

/** The shape of an EventBridge event as Lambda receives it, as far as we read it. */
export interface IncomingEvent {
  readonly source?: unknown;
  readonly 'detail-type'?: unknown;
  readonly detail?: unknown;
  /** The account and region the job runs in: a member's event forwarded to the hub keeps its own. */
  readonly account?: unknown;
  readonly region?: unknown;
}

/** The job a native event is about, and the account and region it names (when it names both). */
export interface NativeEventJob {
  readonly locator: JobLocator;
  readonly target: Target | undefined;
}

/**
 * The job a native event is about, with the event's `account` and `region` (a hub refreshes the job in that
 * target), or undefined when the event is not one of this service's import-job events or lacks the ids
 * (then the scheduled poll covers it).
 */
export function locatorFromNativeEvent(
  spec: NativeEventSource | undefined,
  event: IncomingEvent,
): NativeEventJob | undefined {
  if (!spec || event.source !== spec.source) return undefined;
  if (typeof event['detail-type'] !== 'string' || !spec.detailTypes.includes(event['detail-type']))
    return undefined;
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  const scope = detail[spec.scopeField];
  const jobId = detail[spec.jobIdField];
  if (typeof scope !== 'string' || typeof jobId !== 'string' || scope === '' || jobId === '')
    return undefined;
  const { account, region } = event;
  const target =
    typeof account === 'string' && account !== '' && typeof region === 'string' && region !== ''
      ? { accountId: account, region }
      : undefined;
  return { locator: { scope, jobId }, target };
}
