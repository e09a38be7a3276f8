import { serviceFacts } from '../../lambdas/contract/services.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';

/** What a member account grants and forwards for one service; the member stack reads services only here. */
export interface MemberServiceFacts {
  readonly id: ServiceId;
  readonly displayName: string;
  /** Exactly the list and describe calls the hub's poller makes; no wildcards. */
  readonly iamActions: readonly string[];
  /** The service's own job events on the default bus, or undefined when it sends none. */
  readonly nativeEvents: { readonly source: string; readonly detailTypes: readonly string[] } | undefined;
}

export function memberServiceFacts(service: ServiceId): MemberServiceFacts {
  const { displayName, iamActions, nativeEvents: events } = serviceFacts(service);
  return {
    id: service,
    displayName,
    iamActions,
    nativeEvents: events && { source: events.source, detailTypes: events.detailTypes },
  };
}
