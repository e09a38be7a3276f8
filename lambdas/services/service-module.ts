import type { ClientSettings } from '../aws/client-config.js';
import type { ServiceAdapter } from '../core/adapter.js';
import type { Log } from '../core/ports.js';
import type { ServiceFacts } from '../core/service-definition.js';
import type { ServiceId } from '../core/service-id.js';

/** What every adapter is built from: client settings, the region watched, the account when known, a log. */
export interface AdapterInit {
  readonly settings: ClientSettings;
  readonly region: string;
  readonly accountId?: string;
  readonly log: Log;
}

/**
 * One service as code: its facts and how to build its adapter. Exported from
 * `lambdas/services/<service>/index.ts`; its handler entry and `lambdas/services/registry.ts` build from it.
 */
export interface ServiceModule<Id extends string = ServiceId> {
  readonly facts: ServiceFacts<Id>;
  /** The real adapter; `env` holds the function's settings an adapter reads beyond `init`, if any. */
  createAdapter(init: AdapterInit, env: NodeJS.ProcessEnv): ServiceAdapter;
}
