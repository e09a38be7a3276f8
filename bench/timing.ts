import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { PACING_CHANNEL, type PacingEvent } from '../lambdas/aws/rate-limit.js';
import type { CallRecord } from '../local/fakes/fake-aws-server.js';

/** A stretch of wall time, in `performance.now()` milliseconds. */
export interface Stretch {
  readonly from: number;
  readonly to: number;
}

export interface RealTime {
  readonly wallMs: number;
  /** Wall time bound by the services: a call in flight, or a call waiting for its turn at the quota. */
  readonly serviceWallMs: number;
  /** The run in real milliseconds: service-bound time × speed-up, the rest (DynamoDB, CPU) as measured. */
  readonly realMs: number;
}

/**
 * The real-time length of a run that went `speedup` times faster than real time at the services (their
 * quotas × speed-up, latency ÷ speed-up) but not at DynamoDB Local or the CPU: the union of the
 * service-bound stretches is scaled back, the rest of the run is counted as measured. DynamoDB Local is
 * slower than DynamoDB, so the figure errs long.
 */
export function realTimeOf(stretches: readonly Stretch[], window: Stretch, speedup: number): RealTime {
  const clipped = stretches
    .map((stretch) => ({ from: Math.max(window.from, stretch.from), to: Math.min(window.to, stretch.to) }))
    .filter((stretch) => stretch.to > stretch.from)
    .sort((a, b) => a.from - b.from);
  let covered = 0;
  let until = Number.NEGATIVE_INFINITY;
  for (const stretch of clipped) {
    const from = Math.max(stretch.from, until);
    if (stretch.to > from) covered += stretch.to - from;
    until = Math.max(until, stretch.to);
  }
  const wallMs = window.to - window.from;
  return { wallMs, serviceWallMs: covered, realMs: covered * speedup + (wallMs - covered) };
}

/**
 * Calls as service-bound stretches: from arrival (less `waitMs`, how long it may have waited for its turn
 * at the quota) to answer.
 */
export function callStretches(
  calls: readonly CallRecord[],
  waitMs: (operation: string) => number = () => 0,
): Stretch[] {
  return calls.flatMap((call) =>
    call.receivedAt === undefined || call.answeredAt === undefined
      ? []
      : [{ from: call.receivedAt - waitMs(call.operation), to: call.answeredAt }],
  );
}

/**
 * The quota slots one service's poller used, as its limiter publishes them while `run` runs: each paced
 * call kept its bucket busy for one slot before its token was due. Back-to-back calls at the rate cover the
 * whole stretch; a call that found a token waiting counts one slot, and a gap beyond that (the poller busy
 * with DynamoDB or the CPU) counts as measured.
 */
export async function recordPacing<T>(
  service: string,
  run: (slots: Stretch[]) => Promise<T>,
): Promise<{ result: T; slots: Stretch[] }> {
  const slots: Stretch[] = [];
  const listener = (message: unknown) => {
    const event = message as PacingEvent;
    if (event.service === service) slots.push({ from: event.dueAt - event.slotMs, to: event.dueAt });
  };
  subscribe(PACING_CHANNEL, listener);
  try {
    return { result: await run(slots), slots };
  } finally {
    unsubscribe(PACING_CHANNEL, listener);
  }
}

/**
 * The real time elapsed while the run goes on, for the Lambda deadline the poller sees: cheap enough to ask
 * on every list item. Stretches are taken in the order they ended, which is close enough.
 */
export class RunningClock {
  private callIndex: number;
  private slotIndex = 0;
  private covered = 0;
  private until = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly calls: readonly CallRecord[],
    private readonly slots: readonly Stretch[],
    private readonly start: number,
    private readonly speedup: number,
  ) {
    this.callIndex = calls.length;
  }

  realElapsedMs(now: number): number {
    // What ended since the last look, from both streams, in order of start: the union stays close to exact.
    const fresh: Stretch[] = [];
    for (; this.callIndex < this.calls.length; this.callIndex += 1) {
      const call = this.calls[this.callIndex];
      if (call?.receivedAt !== undefined && call.answeredAt !== undefined) {
        fresh.push({ from: call.receivedAt, to: call.answeredAt });
      }
    }
    for (; this.slotIndex < this.slots.length; this.slotIndex += 1) {
      const slot = this.slots[this.slotIndex];
      if (slot) fresh.push(slot);
    }
    for (const stretch of fresh.sort((a, b) => a.from - b.from)) this.add(stretch.from, stretch.to);
    const wall = now - this.start;
    return this.covered * this.speedup + (wall - this.covered);
  }

  private add(from: number, to: number): void {
    const start = Math.max(this.start, from, this.until);
    if (to > start) this.covered += to - start;
    this.until = Math.max(this.until, to);
  }
}
