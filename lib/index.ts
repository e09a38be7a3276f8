/**
 * The package's public entry (`aws-job-status-aggregator`): the construct, its props, the ready stack, the
 * subscription helpers and the event contract's names. The event detail types are the package's `./events`
 * entry (lambdas/events/contract.ts: lib/ imports only the contract's data modules). The app in bin/ imports
 * this entry by the package's name.
 */

export { DetailType, EVENT_SOURCE, JobStatus } from '../lambdas/contract/events.js';
export { METRICS_NAMESPACE } from '../lambdas/contract/metrics.js';
export {
  type FunctionOverrides,
  JobStatusAggregator,
  type JobStatusAggregatorProps,
  type JobsTableOverrides,
  TABLE_READ_ACTIONS,
} from './job-status-aggregator.js';
export {
  JobStatusAggregatorStack,
  type JobStatusAggregatorStackProps,
} from './job-status-aggregator-stack.js';
export {
  type JobStatusAggregatorSettings,
  type ManifestLocation,
  SettingsError,
} from './settings.js';
export {
  type JobEventFilter,
  type JobEventSubscriptionOptions,
  type JobEventTarget,
  type JobStatusChangedOptions,
  jobEventPattern,
} from './subscription.js';
