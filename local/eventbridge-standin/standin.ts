import { createHash, randomUUID } from 'node:crypto';
import {
  FakeAwsServer,
  type FakeRequest,
  FakeServiceError,
  type OperationHandler,
} from '../fakes/fake-aws-server.js';
import { type EventPattern, matchesPattern, parsePattern } from './pattern.js';

/**
 * A local stand-in for an EventBridge bus and its subscribers. It takes `PutEvents` on the wire (awsJson1_1,
 * `X-Amz-Target: AWSEvents.PutEvents`), checks entries the way the service does, turns each accepted entry
 * into the envelope a subscriber receives (`version, id, detail-type, source, account, time, region,
 * resources, detail`), records it, and matches it against the subscriptions' event patterns.
 *
 * The publisher also needs a dead-letter queue: `deadLetters` answers SQS `SendMessage(Batch)` (awsJson1_0,
 * `AmazonSQS.*`, with the body MD5 the SDK checks) and keeps the letters.
 *
 * `entryFailureRate` refuses that share of entries with `ThrottlingException`, per entry, the way a busy bus
 * does: the publisher must retry exactly those entries.
 */

/** What a subscriber receives. */
export interface DeliveredEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface ReceivedEvent {
  readonly event: DeliveredEvent;
  /** The `EventBusName` of the entry (name or ARN); `default` when absent. */
  readonly bus: string;
  /** Names of the subscriptions whose pattern matched. */
  readonly matched: readonly string[];
}

export interface Subscription {
  readonly name: string;
  readonly pattern: EventPattern;
  readonly events: DeliveredEvent[];
}

export interface DeadLetterMessage {
  readonly messageId: string;
  readonly queueUrl: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface EventBridgeStandInOptions {
  readonly region?: string;
  readonly accountId?: string;
  /** Share of entries refused with ThrottlingException, in [0, 1). */
  readonly entryFailureRate?: number;
  /** The source of randomness for `entryFailureRate`; seed it for a run that replays exactly. */
  readonly random?: () => number;
  readonly queueName?: string;
}

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

export class EventBridgeStandIn {
  /** The bus: PutEvents. Its call log and `inject` work as on every fake. */
  readonly server: FakeAwsServer;
  /** The dead-letter queue: SendMessage and SendMessageBatch. */
  readonly deadLetterServer: FakeAwsServer;
  readonly received: ReceivedEvent[] = [];
  readonly deadLetters: DeadLetterMessage[] = [];
  readonly region: string;
  readonly accountId: string;
  /** Entries refused (validation, or `entryFailureRate`), by error code. */
  readonly refused = new Map<string, number>();
  putEventsCalls = 0;
  private readonly subscriptionMap = new Map<string, Subscription>();
  private readonly listeners: ((event: ReceivedEvent) => void)[] = [];
  private readonly random: () => number;
  private readonly queueName: string;
  entryFailureRate: number;

  constructor(options: EventBridgeStandInOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.entryFailureRate = options.entryFailureRate ?? 0;
    this.random = options.random ?? Math.random;
    this.queueName = options.queueName ?? 'job-events-dlq';
    const events: Record<string, OperationHandler> = { PutEvents: (request) => this.putEvents(request) };
    this.server = new FakeAwsServer('eventbridge', { kind: 'awsJson1_1', targetPrefix: 'AWSEvents' }, events);
    const sqs: Record<string, OperationHandler> = {
      SendMessage: (request) => this.sendMessage(request),
      SendMessageBatch: (request) => this.sendMessageBatch(request),
    };
    this.deadLetterServer = new FakeAwsServer('sqs', { kind: 'awsJson1_0', targetPrefix: 'AmazonSQS' }, sqs);
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  get deadLetterEndpoint(): string {
    return this.deadLetterServer.endpoint;
  }

  /** The dead-letter queue's URL, as the publisher's `deadLetterQueueUrl` setting takes it. */
  get deadLetterQueueUrl(): string {
    return `${this.deadLetterServer.endpoint}/${this.accountId}/${this.queueName}`;
  }

  async start(): Promise<void> {
    await this.server.start();
    await this.deadLetterServer.start();
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.deadLetterServer.stop();
  }

  /** Adds a subscriber: every later event its pattern matches is kept under its name. */
  subscribe(name: string, pattern: string | EventPattern): Subscription {
    if (this.subscriptionMap.has(name)) throw new Error(`Subscription ${name} exists already`);
    const subscription: Subscription = { name, pattern: parsePattern(pattern), events: [] };
    this.subscriptionMap.set(name, subscription);
    return subscription;
  }

  subscriptions(): Subscription[] {
    return [...this.subscriptionMap.values()];
  }

  /** Called with every accepted event, after matching. */
  onEvent(listener: (event: ReceivedEvent) => void): void {
    this.listeners.push(listener);
  }

  /** The details of every accepted event, in order. */
  details(): Readonly<Record<string, unknown>>[] {
    return this.received.map((received) => received.event.detail);
  }

  private putEvents(request: FakeRequest): unknown {
    this.putEventsCalls += 1;
    const entries = request.body.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw new FakeServiceError('ValidationException', 400, `Entries must have 1 to ${MAX_ENTRIES} items`);
    }
    const size = entries.reduce<number>((sum, entry) => sum + entrySize(entry as WireEntry), 0);
    if (size > MAX_REQUEST_BYTES) {
      throw new FakeServiceError(
        'ValidationException',
        400,
        'Total size of the entries in the request is over the limit.',
      );
    }
    let failed = 0;
    const results = (entries as WireEntry[]).map((entry) => {
      const problem = validate(entry) ?? this.randomFailure();
      if (problem) {
        failed += 1;
        this.refused.set(problem.code, (this.refused.get(problem.code) ?? 0) + 1);
        return { ErrorCode: problem.code, ErrorMessage: problem.message };
      }
      const event = this.deliver(entry);
      return { EventId: event.id };
    });
    return { FailedEntryCount: failed, Entries: results };
  }

  private randomFailure(): { code: string; message: string } | undefined {
    return this.entryFailureRate > 0 && this.random() < this.entryFailureRate
      ? { code: 'ThrottlingException', message: 'Rate exceeded' }
      : undefined;
  }

  private deliver(entry: WireEntry): DeliveredEvent {
    const time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : new Date();
    const event: DeliveredEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType as string,
      source: entry.Source as string,
      account: this.accountId,
      // EventBridge stamps whole seconds.
      time: `${time.toISOString().slice(0, 19)}Z`,
      region: this.region,
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail as string) as Record<string, unknown>,
    };
    const matched: string[] = [];
    for (const subscription of this.subscriptionMap.values()) {
      if (matchesPattern(subscription.pattern, event)) {
        subscription.events.push(event);
        matched.push(subscription.name);
      }
    }
    const received: ReceivedEvent = { event, bus: entry.EventBusName ?? 'default', matched };
    this.received.push(received);
    for (const listener of this.listeners) listener(received);
    return event;
  }

  private sendMessage(request: FakeRequest): unknown {
    const body = request.body.MessageBody;
    if (typeof body !== 'string' || body === '') {
      throw new FakeServiceError('InvalidParameterValue', 400, 'The message body must not be empty');
    }
    const letter = this.keepLetter(String(request.body.QueueUrl ?? ''), body, request.body.MessageAttributes);
    return { MessageId: letter.messageId, MD5OfMessageBody: md5(body) };
  }

  private sendMessageBatch(request: FakeRequest): unknown {
    const entries = request.body.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
      throw new FakeServiceError(
        'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
        400,
        'Batch of 1 to 10',
      );
    }
    const successful = (entries as { Id?: string; MessageBody?: string; MessageAttributes?: unknown }[]).map(
      (entry) => {
        const body = entry.MessageBody ?? '';
        const letter = this.keepLetter(String(request.body.QueueUrl ?? ''), body, entry.MessageAttributes);
        return { Id: entry.Id, MessageId: letter.messageId, MD5OfMessageBody: md5(body) };
      },
    );
    return { Successful: successful, Failed: [] };
  }

  private keepLetter(queueUrl: string, body: string, attributes: unknown): DeadLetterMessage {
    const letter: DeadLetterMessage = {
      messageId: randomUUID(),
      queueUrl,
      body,
      attributes:
        typeof attributes === 'object' && attributes !== null ? (attributes as Record<string, unknown>) : {},
    };
    this.deadLetters.push(letter);
    return letter;
  }
}

interface WireEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Resources?: string[];
  readonly Time?: number;
  readonly EventBusName?: string;
}

/** Entry problems EventBridge reports per entry (the call itself succeeds). */
function validate(entry: WireEntry): { code: string; message: string } | undefined {
  if (!entry.Source) return { code: 'InvalidArgument', message: 'Parameter Source is not valid.' };
  if (!entry.DetailType) return { code: 'InvalidArgument', message: 'Parameter DetailType is not valid.' };
  if (entry.Detail === undefined)
    return { code: 'InvalidArgument', message: 'Parameter Detail is not valid.' };
  try {
    const detail: unknown = JSON.parse(entry.Detail);
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
      throw new Error('not an object');
  } catch {
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  }
  if (entrySize(entry) > MAX_REQUEST_BYTES) {
    return { code: 'InvalidArgument', message: 'Entry size exceeds the limit.' };
  }
  return undefined;
}

/** An entry's size as EventBridge counts it: 14 bytes for Time, plus the UTF-8 of the other fields. */
function entrySize(entry: WireEntry): number {
  const bytes = (text: string | undefined) => (text ? Buffer.byteLength(text, 'utf8') : 0);
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0)
  );
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}
