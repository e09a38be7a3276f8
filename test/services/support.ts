import type { ListedJob } from '../../lambdas/core/adapter.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';

/** Helpers the adapter tests share. */

/** Every item of an async iterable, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The snapshots of a listing that must hold no malformed item: the first one found is thrown. */
export function snapshots(items: readonly ListedJob[]): JobSnapshot[] {
  return items.map((item) => {
    if (!item.ok) throw item.error;
    return item.snapshot;
  });
}

/** The snapshots of a listing, leaving out the items the adapter reported as malformed. */
export function wellFormedSnapshots(items: readonly ListedJob[]): JobSnapshot[] {
  return items.flatMap((item) => (item.ok ? [item.snapshot] : []));
}

/** What a promise rejected with; fails the test when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** Puts an environment variable back as it was (`undefined`: unset). */
export function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
