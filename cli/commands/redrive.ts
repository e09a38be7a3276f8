import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import Table from 'cli-table3';
import { positiveInteger } from '../args.js';
import { ExitCode } from '../errors.js';
import { clientConfig, connected, eventsClient, putEntries, resolveQueueUrl } from '../event-bus.js';
import type { CommandResult } from '../output.js';
import type { Command, CommandContext } from './command.js';
import { type Classified, classifyMessage } from './dead-letters.js';
import { noExtraArgs } from './shared.js';

/** How long a received message stays hidden from other readers while this run works on it. */
const VISIBILITY_SECONDS = 120;
/** Long polling, briefly: a short poll can answer "empty" while messages are there. */
const WAIT_SECONDS = 1;

/**
 * `job-status redrive`: the dead-letter queue's events sent to the bus again, each message deleted only
 * after PutEvents accepted its entry. Messages that are not dead letters (a stream batch Lambda gave up
 * on), that do not parse, or whose entry was refused again stay in the queue, visible again at the end.
 */
export const redriveCommand: Command = {
  name: 'redrive',
  synopsis: 'redrive [--queue-url URL] [--bus NAME|ARN] [--max-items N] [--dry-run]',
  summary: "send the dead-letter queue's events to the bus again, deleting each once delivered",
  options: ['queue-url', 'bus', 'events-endpoint-url', 'max-items', 'dry-run'],
  run: async (context) => {
    noExtraArgs(context.name, context.args);
    const queueUrl = await resolveQueueUrl(context.values, context.env);
    const dryRun = context.values['dry-run'] === true;
    const sqs = await connected(
      new SQSClient(clientConfig(context.values, context.env, context.values['endpoint-url'])),
      'SQS',
    );
    const events = dryRun ? undefined : await eventsClient(context.values, context.env);
    try {
      const items = await drain(context, { sqs, queueUrl, ...(events && { events }) });
      return redriveResult(queueUrl, dryRun, items);
    } finally {
      sqs.destroy();
      events?.destroy();
    }
  },
};

interface Clients {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Absent on a dry run: nothing is sent. */
  readonly events?: EventBridgeClient;
}

/** One message, what it was and what became of it. */
export interface RedriveItem {
  readonly messageId: string;
  readonly kind: Classified['kind'];
  readonly recordId?: string;
  readonly jobKey?: string;
  readonly detailType?: string;
  /** Why the publisher dead-lettered it. */
  readonly deadLetteredFor?: string;
  readonly outcome: 'redriven' | 'redriven-not-deleted' | 'failed' | 'would-redrive' | 'kept';
  readonly eventId?: string;
  readonly error?: string;
  /** For a stream batch: the replay command that covers its records. */
  readonly replay?: string;
}

/** Receives until the queue has nothing more for this run (or `--max-items`), then releases what it kept. */
async function drain(context: CommandContext, clients: Clients): Promise<RedriveItem[]> {
  const maxItems = positiveInteger(context.values, 'max-items');
  const bus = context.values.bus;
  const items: RedriveItem[] = [];
  const seen = new Set<string>();
  const kept: Message[] = [];
  try {
    while (maxItems === undefined || items.length < maxItems) {
      const wanted = Math.min(10, (maxItems ?? Number.POSITIVE_INFINITY) - items.length);
      const response = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: clients.queueUrl,
          MaxNumberOfMessages: wanted,
          WaitTimeSeconds: WAIT_SECONDS,
          VisibilityTimeout: VISIBILITY_SECONDS,
        }),
      );
      const messages = (response.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (messages.length === 0) break;
      for (const message of messages) seen.add(message.MessageId as string);
      const batch = await redriveBatch(clients, messages, bus);
      items.push(...batch.items);
      kept.push(...batch.kept);
    }
  } finally {
    await release(clients, kept);
  }
  return items;
}

/** One received batch: the dead letters' entries sent, the delivered ones deleted, the rest kept. */
async function redriveBatch(
  clients: Clients,
  messages: readonly Message[],
  bus: string | undefined,
): Promise<{ items: RedriveItem[]; kept: Message[] }> {
  const classified = messages.map((message) => ({ message, what: classifyMessage(message.Body, bus) }));
  const letters = classified.flatMap((c) =>
    c.what.kind === 'dead-letter' ? [{ ...c, letter: c.what }] : [],
  );
  const outcomes = clients.events
    ? await putEntries(
        clients.events,
        letters.map((l) => l.letter.entry),
      )
    : [];
  const delivered = letters.filter((_letter, index) => outcomes[index]?.kind === 'delivered');
  const notDeleted = await deleteMessages(
    clients,
    delivered.map((l) => l.message),
  );

  const items: RedriveItem[] = [];
  const kept: Message[] = [];
  for (const { message, what } of classified) {
    const messageId = message.MessageId as string;
    if (what.kind !== 'dead-letter') {
      kept.push(message);
      items.push({
        messageId,
        kind: what.kind,
        outcome: 'kept',
        error: what.reason,
        ...('replay' in what && what.replay && { replay: what.replay }),
      });
      continue;
    }
    const base = {
      messageId,
      kind: what.kind,
      recordId: what.recordId,
      jobKey: what.jobKey,
      detailType: what.detailType,
      deadLetteredFor: what.errorCode,
    };
    const outcome = outcomes[letters.findIndex((l) => l.message === message)];
    if (!clients.events) {
      kept.push(message);
      items.push({ ...base, outcome: 'would-redrive' });
    } else if (outcome?.kind === 'delivered') {
      const deleted = !notDeleted.has(messageId);
      items.push({
        ...base,
        outcome: deleted ? 'redriven' : 'redriven-not-deleted',
        eventId: outcome.eventId,
      });
    } else {
      kept.push(message);
      items.push({ ...base, outcome: 'failed', error: outcome?.errorCode ?? 'NotSent' });
    }
  }
  return { items, kept };
}

/** Deletes messages; returns the ids SQS did not delete (their events went out: a rerun only duplicates). */
async function deleteMessages(clients: Clients, messages: readonly Message[]): Promise<Set<string>> {
  if (messages.length === 0) return new Set();
  const command = new DeleteMessageBatchCommand({
    QueueUrl: clients.queueUrl,
    Entries: messages.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.ReceiptHandle })),
  });
  // A failed call must not hide what was delivered: report those messages as not deleted and go on.
  const response = await clients.sqs
    .send(command)
    .catch(() => ({ Failed: messages.map((_message, index) => ({ Id: `m${index}` })) }));
  return new Set(
    (response.Failed ?? []).map((failure) => messages[Number(failure.Id?.slice(1))]?.MessageId ?? ''),
  );
}

/** Makes the messages this run kept visible again now, not after the visibility timeout. */
async function release(clients: Clients, messages: readonly Message[]): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    const group = messages.slice(start, start + 10);
    await clients.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: clients.queueUrl,
        Entries: group.map((message, index) => ({
          Id: `m${index}`,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

function redriveResult(queueUrl: string, dryRun: boolean, items: readonly RedriveItem[]): CommandResult {
  const count = (outcome: RedriveItem['outcome']) => items.filter((item) => item.outcome === outcome).length;
  const redriven = count('redriven') + count('redriven-not-deleted');
  const failed = count('failed');
  const data = {
    DryRun: dryRun,
    QueueUrl: queueUrl,
    Received: items.length,
    Redriven: redriven,
    Failed: failed,
    Kept: items.length - redriven,
    Items: items,
  };
  const summary = dryRun
    ? `Dry run: ${count('would-redrive')} of ${items.length} messages would be sent again; the queue is unchanged`
    : `Redrove ${redriven} of ${items.length} messages from ${queueUrl}: ${failed} failed, ${data.Kept} left in the queue`;
  return {
    data,
    table: () => (items.length === 0 ? `No messages in ${queueUrl}` : `${summary}\n${itemsTable(items)}`),
    ...(failed > 0 && { exitCode: ExitCode.SERVICE }),
  };
}

function itemsTable(items: readonly RedriveItem[]): string {
  const table = new Table({
    head: ['Message', 'Job', 'Event', 'Outcome'],
    style: { head: [], border: [] },
    wordWrap: true,
  });
  for (const item of items) {
    const note = item.replay ?? item.error;
    table.push([
      item.messageId,
      item.jobKey ?? '',
      item.detailType ?? item.kind,
      note ? `${item.outcome}: ${note}` : item.outcome,
    ]);
  }
  return table.toString();
}
