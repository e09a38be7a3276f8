import { randomUUID } from 'node:crypto';
import {
  FakeAwsServer,
  type FakeRequest,
  FakeServiceError,
  type OperationHandler,
} from './fake-aws-server.js';

/**
 * EventBridge PutEvents on the wire (awsJson1_1, `X-Amz-Target: AWSEvents.PutEvents`), with the limits
 * the real service enforces (10 entries, 256 KB of entries per call, Source/DetailType/Detail required,
 * Detail a JSON object) and per-entry failures a test chooses. The one PutEvents fake: the events tests
 * read its log, and local mode's EventBridge stand-in (local/eventbridge-standin/) listens to what it
 * accepts to deliver it to subscribers by pattern.
 */

/** One entry as it arrived on the wire (`Time` as epoch seconds). */
export interface WireEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Resources?: readonly string[];
  readonly Time?: number;
  readonly EventBusName?: string;
  readonly TraceHeader?: string;
}

export interface AcceptedEvent {
  readonly eventId: string;
  readonly entry: WireEntry;
  /** 1-based number of the PutEvents call that accepted it. */
  readonly call: number;
}

/** Where an entry sits: which call, its index in that call, and how often its content was sent before. */
export interface EntryContext {
  readonly call: number;
  readonly index: number;
  /** 0 the first time these exact Source/DetailType/Detail arrive, 1 on the first resend, and so on. */
  readonly previousSends: number;
}

export interface EntryFailure {
  readonly errorCode: string;
  readonly errorMessage?: string;
}

/** Decides the fate of one entry: a failure, or undefined to accept it. */
export type FailurePlan = (entry: WireEntry, context: EntryContext) => EntryFailure | undefined;

export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

export class FakeEventBridge extends FakeAwsServer {
  /** Every entry accepted, in order. */
  readonly accepted: AcceptedEvent[] = [];
  /** Every entry of every PutEvents call, accepted or not, by call. */
  readonly putEventsCalls: WireEntry[][] = [];
  /** Entries refused (validation or a failure plan), by error code. */
  readonly refused = new Map<string, number>();
  private readonly plans: FailurePlan[] = [];
  private readonly listeners: ((event: AcceptedEvent) => void)[] = [];
  private readonly sends = new Map<string, number>();

  constructor() {
    const operations: Record<string, OperationHandler> = {};
    super('eventbridge', { kind: 'awsJson1_1', targetPrefix: 'AWSEvents' }, operations);
    operations.PutEvents = (request) => this.putEvents(request);
  }

  /** Adds a plan consulted for every entry; the first plan that returns a failure decides. */
  failEntries(plan: FailurePlan): void {
    this.plans.push(plan);
  }

  /**
   * Fails entries for which `predicate` holds with `errorCode`, at most `times` times per distinct entry
   * (Infinity: always), so "fails twice, then succeeds" is one line.
   */
  failMatching(
    predicate: (entry: WireEntry) => boolean,
    errorCode: string,
    times = Number.POSITIVE_INFINITY,
  ): void {
    this.failEntries((entry, context) =>
      predicate(entry) && context.previousSends < times
        ? { errorCode, errorMessage: `Injected ${errorCode}` }
        : undefined,
    );
  }

  /** Called with every accepted entry, in order. */
  onAccepted(listener: (event: AcceptedEvent) => void): void {
    this.listeners.push(listener);
  }

  clearFailures(): void {
    this.plans.length = 0;
  }

  /** Accepted entries' details, parsed. */
  acceptedDetails<T = Record<string, unknown>>(): T[] {
    return this.accepted.map((event) => JSON.parse(event.entry.Detail ?? '{}') as T);
  }

  reset(): void {
    this.accepted.length = 0;
    this.putEventsCalls.length = 0;
    this.refused.clear();
    this.sends.clear();
    this.clearFailures();
    this.clearFaults();
    this.resetCalls();
  }

  private putEvents(request: FakeRequest): unknown {
    const entries = request.body.Entries;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new FakeServiceError('ValidationException', 400, 'Entries must have at least 1 item');
    }
    if (entries.length > MAX_ENTRIES) {
      throw new FakeServiceError(
        'ValidationException',
        400,
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      );
    }
    const wire = entries as WireEntry[];
    const total = wire.reduce((sum, entry) => sum + wireEntrySize(entry), 0);
    if (total > MAX_REQUEST_BYTES) {
      throw new FakeServiceError(
        'ValidationException',
        400,
        'Total size of the entries in the request is over the limit.',
      );
    }
    this.putEventsCalls.push(wire);
    const call = this.putEventsCalls.length;
    let failed = 0;
    const results = wire.map((entry, index) => {
      const fingerprint = `${entry.Source}\n${entry.DetailType}\n${entry.Detail}`;
      const previousSends = this.sends.get(fingerprint) ?? 0;
      this.sends.set(fingerprint, previousSends + 1);
      const failure = validate(entry) ?? this.planned(entry, { call, index, previousSends });
      if (failure) {
        failed += 1;
        this.refused.set(failure.errorCode, (this.refused.get(failure.errorCode) ?? 0) + 1);
        return { ErrorCode: failure.errorCode, ErrorMessage: failure.errorMessage ?? failure.errorCode };
      }
      const accepted: AcceptedEvent = { eventId: randomUUID(), entry, call };
      this.accepted.push(accepted);
      for (const listener of this.listeners) listener(accepted);
      return { EventId: accepted.eventId };
    });
    return { FailedEntryCount: failed, Entries: results };
  }

  private planned(entry: WireEntry, context: EntryContext): EntryFailure | undefined {
    for (const plan of this.plans) {
      const failure = plan(entry, context);
      if (failure) return failure;
    }
    return undefined;
  }
}

function validate(entry: WireEntry): EntryFailure | undefined {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (!entry[field]) {
      return {
        errorCode: 'InvalidArgument',
        errorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  try {
    const detail: unknown = JSON.parse(entry.Detail ?? '');
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
      throw new Error('not an object');
  } catch {
    return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  }
  if (wireEntrySize(entry) > MAX_REQUEST_BYTES) {
    return { errorCode: 'InvalidArgument', errorMessage: 'Event size exceeds the maximum allowed size.' };
  }
  return undefined;
}

/**
 * EventBridge's entry size: 14 bytes for Time, UTF-8 bytes of Source, DetailType, Detail and Resources.
 * Written out here rather than imported from lambdas/events, so the fake checks the publisher's sizing
 * instead of sharing its mistakes.
 */
function wireEntrySize(entry: WireEntry): number {
  const bytes = (text: string | undefined) => Buffer.byteLength(text ?? '', 'utf8');
  return (
    (entry.Time !== undefined ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0)
  );
}
