/**
 * The package's public entry (`aws-job-status-aggregator`): the construct, its props, the ready stack, the
 * subscription helpers and the event contract. The app in bin/ imports this entry by the package's name.
 */

export { DetailType, EVENT_SOURCE, JobStatus } from '../lambdas/contract/events.js';
export type {
  EventDetail,
  JobStalledDetail,
  JobStatusChangedDetail,
} from '../lambdas/events/contract.js';
export {
  JobStatusAggregator,
  type JobStatusAggregatorProps,
} from './job-status-aggregator.js';
export {
  JobStatusAggregatorStack,
  type JobStatusAggregatorStackProps,
} from './job-status-aggregator-stack.js';
export { SettingsError } from './settings.js';
export {
  type JobEventSubscriptionOptions,
  type JobEventTarget,
  jobEventPattern,
} from './subscription.js';
