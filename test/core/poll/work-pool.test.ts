import { describe, expect, it } from 'vitest';
import { WorkPool } from '../../../lambdas/core/poll/work-pool.js';

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

/** A task that notes how many tasks of its kind ran at once. */
function gauge() {
  let active = 0;
  const state = { peak: 0, done: 0 };
  const task = async () => {
    active += 1;
    state.peak = Math.max(state.peak, active);
    await tick();
    active -= 1;
    state.done += 1;
  };
  return { state, task };
}

describe('WorkPool', () => {
  it('runs main work `concurrency` at a time and the work aside one at a time, beside it', async () => {
    // Prepare
    const pool = new WorkPool(
      { concurrency: 3, safetyMarginMs: 0 },
      () => 1000,
      () => {},
    );
    const main = gauge();
    const aside = gauge();

    // Act
    for (let i = 0; i < 7; i += 1) pool.run(main.task);
    for (let i = 0; i < 3; i += 1) pool.runAside(aside.task);
    await pool.settle();

    // Assess
    expect(main.state).toEqual({ peak: 3, done: 7 });
    expect(aside.state).toEqual({ peak: 1, done: 3 });
  });

  it('runs describes in their own lane, never behind queued writes, and settles work queued by work', async () => {
    // Prepare: four slow writes fill the main lane before a describe is queued.
    const pool = new WorkPool(
      { concurrency: 2, safetyMarginMs: 0 },
      () => 1000,
      () => {},
    );
    const order: string[] = [];
    const write = (name: string) => async () => {
      await tick(20);
      order.push(name);
    };

    // Act: the describe hands its write on to the main lane, after `settle` was called.
    for (let i = 0; i < 4; i += 1) pool.run(write(`write${i}`));
    pool.runDescribe(async () => {
      order.push('describe');
      await tick(30);
      pool.run(write('handed-on'));
    });
    await pool.settle();

    // Assess
    expect(order[0]).toBe('describe');
    expect(order.at(-1)).toBe('handed-on');
    expect(order).toHaveLength(6);
  });

  it('runs at least one task at a time whatever the concurrency says', async () => {
    const pool = new WorkPool(
      { concurrency: 0, safetyMarginMs: 0 },
      () => 1000,
      () => {},
    );
    const main = gauge();
    pool.run(main.task);
    pool.run(main.task);
    await pool.settle();
    expect(main.state).toEqual({ peak: 1, done: 2 });
  });

  it('is out of time once less than the safety margin is left', () => {
    // Prepare
    let remaining = 5000;
    const pool = new WorkPool(
      { concurrency: 1, safetyMarginMs: 1000 },
      () => remaining,
      () => {},
    );

    // Act / Assess
    expect(pool.outOfTime()).toBe(false);
    remaining = 1000;
    expect(pool.outOfTime()).toBe(false);
    remaining = 999;
    expect(pool.outOfTime()).toBe(true);
  });

  it('hands a failed task to onError and goes on with the others', async () => {
    // Prepare
    const errors: unknown[] = [];
    const pool = new WorkPool(
      { concurrency: 1, safetyMarginMs: 0 },
      () => 1000,
      (error) => errors.push(error),
    );
    const done: string[] = [];

    // Act
    pool.run(async () => {
      throw new Error('first');
    });
    pool.run(async () => {
      done.push('second');
    });
    pool.runAside(async () => {
      throw new Error('aside');
    });
    await pool.settle();

    // Assess
    expect(errors.map((error) => (error as Error).message).sort()).toEqual(['aside', 'first']);
    expect(done).toEqual(['second']);
  });

  it('runs a task for each item within the concurrency and waits for them all', async () => {
    // Prepare
    const pool = new WorkPool(
      { concurrency: 2, safetyMarginMs: 0 },
      () => 1000,
      () => {},
    );
    const main = gauge();
    const seen: number[] = [];

    // Act
    await pool.each([1, 2, 3, 4, 5], async (item) => {
      seen.push(item);
      await main.task();
    });

    // Assess
    expect(main.state).toEqual({ peak: 2, done: 5 });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });
});
