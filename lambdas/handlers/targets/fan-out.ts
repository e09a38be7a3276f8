import type { InvokeSelf } from '../../aws/self-invoker.js';
import { errorMessage, failureKindOf } from '../../core/errors.js';
import { batchEvent, batchTargets } from '../../core/poll/fan-out.js';
import type { TargetOutcome } from '../../core/poll/targets.js';
import type { Log } from '../../core/ports.js';
import type { Target } from '../../core/target.js';
import type { PollResult } from '../poll-handler.js';
import type { TargetList } from './target-list.js';

/** Batches handed to Lambda at once: the Invoke calls are quick; this bounds the sockets. */
const DISPATCH_AT_ONCE = 8;

/**
 * Sends each batch to an asynchronous invocation of the function itself. A batch whose Invoke fails (after
 * the SDK's retries) is logged with its size and returned, for the scheduled run to poll it itself.
 */
export async function dispatchBatches(
  batches: readonly Target[][],
  startedAt: Date,
  invoke: InvokeSelf,
  log: Log,
): Promise<{ readonly dispatched: number; readonly undelivered: Target[] }> {
  const undelivered: Target[] = [];
  let dispatched = 0;
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++] as Target[];
      try {
        await invoke({ ...batchEvent(batch), startedAt: startedAt.toISOString() });
        dispatched += 1;
      } catch (error) {
        log.error('a batch of targets could not be handed to Lambda; this run polls it itself', {
          targets: batch.length,
          errorKind: failureKindOf(error),
          error: errorMessage(error),
        });
        undelivered.push(...batch);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DISPATCH_AT_ONCE, batches.length) }, worker));
  log.info('fanned the targets out', { batches: batches.length, dispatched });
  return { dispatched, undelivered };
}

/**
 * A batch event's targets, each one this function may poll (a listed target, or an account in a target
 * region when the accounts are discovered), and the cycle time of the run that sent it (a retried batch
 * keeps its cycle's sweep decision). What is rejected is logged, never polled.
 */
export async function batchOf(
  event: unknown,
  list: TargetList,
  log: Log,
): Promise<{ readonly targets: Target[]; readonly startedAt: Date }> {
  const { targets, rejected } = batchTargets(event, (target) => list.mayPoll(target));
  if (rejected.length > 0) {
    log.error('a batch named targets this poller does not watch; they are not polled', { rejected });
  }
  const sent = new Date(String((event as { startedAt?: unknown }).startedAt));
  return { targets, startedAt: Number.isNaN(sent.getTime()) ? new Date() : sent };
}

/**
 * A scheduled run that fans out: every batch handed to Lambda, and the targets of a batch it did not take
 * polled by this run itself (`pollInline`), so no target misses its cycle.
 */
export async function fanOut(
  batches: readonly Target[][],
  targets: number,
  startedAt: Date,
  invoke: InvokeSelf,
  log: Log,
  pollInline: (targets: Target[]) => Promise<{ readonly targets: readonly TargetOutcome[] }>,
): Promise<PollResult> {
  const sent = await dispatchBatches(batches, startedAt, invoke, log);
  const inline = sent.undelivered.length > 0 ? await pollInline(sent.undelivered) : undefined;
  return {
    mode: 'fan-out',
    targets,
    batches: batches.length,
    dispatched: sent.dispatched,
    ...(inline && { inline: inline.targets }),
  };
}
