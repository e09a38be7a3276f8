import type { Context } from 'aws-lambda';
import { readStoreSettings } from '../lambdas/contract/settings.js';
import type { CycleReport } from '../lambdas/core/poll-cycle.js';
import { createPollHandler, type PollResult } from '../lambdas/handlers/poll-handler.js';
import { DynamoJobStateStore } from '../lambdas/store/dynamo-store.js';
import type { MeteredDynamoClient } from './meter.js';
import type { BenchService } from './services.js';
import { callStretches, type RealTime, RunningClock, realTimeOf, recordPacing } from './timing.js';
import { BENCH_ACCOUNT, BENCH_REGION } from './workload.js';

/** The stack's poller timeout (lib/, `POLLER_TIMEOUT`). */
export const LAMBDA_TIMEOUT_MS = 300_000;

export interface OurCycle {
  readonly reports: CycleReport[];
  readonly timings: RealTime[];
}

/**
 * The deployed poller, built exactly as lambdas/services/<service>/handler.ts builds it (same
 * `createPollHandler`, same adapter class, same store class, settings from the environment the stack
 * sets), except that the store's DynamoDB client is the benchmark's metered one and the adapter points at
 * the fake. Each `cycle` is one scheduled invocation, followed by more invocations while the report says
 * the deadline cut it short (a production run would be followed by the next scheduled one).
 */
export class OurPoller {
  private readonly handler: (event: { kind: 'poll' }, context: Context) => Promise<PollResult>;

  constructor(
    private readonly service: BenchService,
    ddb: MeteredDynamoClient,
    env: NodeJS.ProcessEnv,
    private readonly speedup: number,
  ) {
    this.handler = createPollHandler(
      {
        service: service.id,
        createAdapter: (init) => service.createAdapter({ ...init, accountId: BENCH_ACCOUNT }),
        createStore: (log) =>
          new DynamoJobStateStore({ client: ddb.client, settings: readStoreSettings(env), log }),
      },
      env,
    );
  }

  async cycle(maxRuns: number): Promise<OurCycle> {
    const reports: CycleReport[] = [];
    const timings: RealTime[] = [];
    for (let run = 0; run < maxRuns; run += 1) {
      const { report, timing } = await this.invoke();
      reports.push(report);
      timings.push(timing);
      if (!report.incomplete) break;
    }
    return { reports, timings };
  }

  /**
   * One invocation. Its real length: calls in flight and the poller's own slots for its quota (published by
   * its limiter) are scaled back by the speed-up; DynamoDB Local and CPU time count as measured. The
   * deadline the poller sees follows the same clock.
   */
  private async invoke(): Promise<{ report: CycleReport; timing: RealTime }> {
    const calls = this.service.server.calls;
    const firstIndex = calls.length;
    const started = performance.now();
    const { result, slots } = await recordPacing(this.service.id, (slots) => {
      const clock = new RunningClock(calls, slots, started, this.speedup);
      const context = {
        functionName: `bench-${this.service.id}`,
        invokedFunctionArn: `arn:aws:lambda:${BENCH_REGION}:${BENCH_ACCOUNT}:function:bench-${this.service.id}`,
        awsRequestId: `bench-${started}`,
        getRemainingTimeInMillis: () => LAMBDA_TIMEOUT_MS - clock.realElapsedMs(performance.now()),
      } as Context;
      return this.handler({ kind: 'poll' }, context);
    });
    const ended = performance.now();
    if (result.mode !== 'cycle') throw new Error(`expected a poll cycle, got ${result.mode}`);
    const { mode: _mode, ...report } = result;
    const stretches = [...callStretches(calls.slice(firstIndex)), ...slots];
    return { report, timing: realTimeOf(stretches, { from: started, to: ended }, this.speedup) };
  }
}
