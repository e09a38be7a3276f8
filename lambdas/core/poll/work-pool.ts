import pLimit, { type LimitFunction } from 'p-limit';
import type { PollPolicy } from './policy.js';

type Task = () => Promise<void>;

/**
 * Where the cycle's describe and record calls run, and the deadline that stops new ones. Work that starts
 * with a describe runs in its own lane, `concurrency` at a time, beside the work that only reads or writes
 * the store (as many again): a describe waits for the service's quota, never for writes queued before it,
 * so the quota is kept busy while the listing goes on. Progress refreshes run one at a time beside both,
 * so they overlap the listing without holding up status changes. The pool only runs; each task checks
 * `outOfTime()` before it starts a call, so it decides what the deadline stops and what that leaves undone.
 */
export class WorkPool {
  private readonly limit: LimitFunction;
  private readonly describes: LimitFunction;
  private readonly aside = pLimit(1);
  private readonly tasks: Promise<void>[] = [];

  constructor(
    private readonly policy: Pick<PollPolicy, 'concurrency' | 'safetyMarginMs'>,
    /** Milliseconds left in this run. */
    private readonly remainingMs: () => number,
    /** Where a task's unexpected failure goes; it never stops the other tasks. */
    private readonly onError: (error: unknown) => void,
  ) {
    this.limit = pLimit(Math.max(1, policy.concurrency));
    this.describes = pLimit(Math.max(1, policy.concurrency));
  }

  /** Less time is left than the safety margin: nothing new should start. */
  outOfTime(): boolean {
    return this.remainingMs() < this.policy.safetyMarginMs;
  }

  /** Queues `task` in the main pool. */
  run(task: Task): void {
    this.tasks.push(this.limit(() => this.guarded(task)));
  }

  /** Queues `task`, which starts with a describe, in the describe lane. */
  runDescribe(task: Task): void {
    this.tasks.push(this.describes(() => this.guarded(task)));
  }

  /** Queues `task` in the pool of one beside the main pool (progress refreshes). */
  runAside(task: Task): void {
    this.tasks.push(this.aside(() => this.guarded(task)));
  }

  /** Runs `task` for every item, `concurrency` at a time, and waits for them; `task` handles its errors. */
  async each<T>(items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
    await Promise.all(items.map((item) => this.limit(() => task(item))));
  }

  /** Waits for every queued task, those queued meanwhile by other tasks included. */
  async settle(): Promise<void> {
    for (let waited = 0; waited < this.tasks.length; ) {
      const pending = this.tasks.slice(waited);
      waited = this.tasks.length;
      await Promise.all(pending);
    }
  }

  private async guarded(task: Task): Promise<void> {
    try {
      await task();
    } catch (error) {
      this.onError(error);
    }
  }
}
