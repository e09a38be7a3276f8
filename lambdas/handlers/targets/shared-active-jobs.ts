import type { JobStateStore, StoredJob } from '../../core/ports.js';
import type { ServiceId } from '../../core/service-id.js';
import { inTarget, type Target } from '../../core/target.js';

/**
 * The store for one run over many targets: the service's active jobs are read from the index once, and
 * each target's cycle gets its own jobs from that one read (instead of every target reading the whole
 * service). Everything else goes to the store as it is.
 */
export function sharedActiveJobs(store: JobStateStore): JobStateStore {
  const reads = new Map<ServiceId, Promise<StoredJob[]>>();
  const readOnce = (service: ServiceId) => {
    let read = reads.get(service);
    if (!read) {
      read = collect(store.listActive(service));
      reads.set(service, read);
    }
    return read;
  };
  return {
    get: (key) => store.get(key),
    record: (previous, next) => store.record(previous, next),
    recordStall: (current, now) => store.recordStall(current, now),
    async *listActive(service: ServiceId, target?: Target) {
      for (const job of await readOnce(service)) if (!target || inTarget(job.snapshot.key, target)) yield job;
    },
    ...(store.loadListCursor && { loadListCursor: store.loadListCursor.bind(store) }),
    ...(store.saveListCursor && { saveListCursor: store.saveListCursor.bind(store) }),
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
