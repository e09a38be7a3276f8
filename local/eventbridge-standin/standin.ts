import { createHash, randomUUID } from 'node:crypto';
import { type AcceptedEvent, type EntryFailure, FakeEventBridge } from '../fakes/eventbridge.js';
import {
  FakeAwsServer,
  type FakeRequest,
  FakeServiceError,
  type OperationHandler,
} from '../fakes/fake-aws-server.js';
import { type EventPattern, matchesPattern, parsePattern } from './pattern.js';

/**
 * A local stand-in for an EventBridge bus and its subscribers. `PutEvents` is the PutEvents fake's
 * (local/fakes/eventbridge.ts: the wire, the service's checks); the stand-in turns each entry it accepts
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

export class EventBridgeStandIn {
  /** The bus: PutEvents. Its call log and `inject` work as on every fake. */
  readonly server: FakeEventBridge;
  /** The dead-letter queue: SendMessage and SendMessageBatch. */
  readonly deadLetterServer: FakeAwsServer;
  readonly received: ReceivedEvent[] = [];
  readonly deadLetters: DeadLetterMessage[] = [];
  readonly region: string;
  readonly accountId: string;
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
    this.server = new FakeEventBridge();
    this.server.failEntries(() => this.randomFailure());
    this.server.onAccepted((accepted) => this.deliver(accepted));
    const sqs: Record<string, OperationHandler> = {
      SendMessage: (request) => this.sendMessage(request),
      SendMessageBatch: (request) => this.sendMessageBatch(request),
    };
    this.deadLetterServer = new FakeAwsServer('sqs', { kind: 'awsJson1_0', targetPrefix: 'AmazonSQS' }, sqs);
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  /** Entries refused (validation, or `entryFailureRate`), by error code. */
  get refused(): ReadonlyMap<string, number> {
    return this.server.refused;
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

  private randomFailure(): EntryFailure | undefined {
    return this.entryFailureRate > 0 && this.random() < this.entryFailureRate
      ? { errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' }
      : undefined;
  }

  private deliver({ eventId, entry }: AcceptedEvent): void {
    const time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : new Date();
    const event: DeliveredEvent = {
      version: '0',
      id: eventId,
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

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}
