import type { EventPattern } from '../eventbridge-standin/pattern.js';

/**
 * The subscriptions local mode starts with: the event patterns docs/events.md documents, under the same
 * names (a test keeps the two identical). The live view and the summary count what each one received.
 */
export const DOCUMENTED_SUBSCRIPTIONS: Readonly<Record<string, EventPattern>> = {
  'any-failure': {
    source: ['job-status-aggregator'],
    'detail-type': ['Job Status Changed'],
    detail: { status: ['FAILED'] },
  },
  'partial-success-one-service': {
    source: ['job-status-aggregator'],
    'detail-type': ['Job Status Changed'],
    detail: { service: ['healthlake'], status: ['SUCCEEDED_WITH_ERRORS'] },
  },
  'any-terminal': {
    source: ['job-status-aggregator'],
    'detail-type': ['Job Status Changed'],
    detail: { terminal: [true] },
  },
  'one-job': {
    source: ['job-status-aggregator'],
    detail: {
      jobKey: [
        'healthlake/us-east-1/123456789012/a1b2c3d4e5f60718293a4b5c6d7e8f90/c0ffee1234567890c0ffee1234567890',
      ],
    },
  },
  'one-job-by-fields': {
    source: ['job-status-aggregator'],
    detail: { service: ['healthomics'], scope: ['1234567890'], jobId: ['9876543210'] },
  },
  stalls: {
    source: ['job-status-aggregator'],
    'detail-type': ['Job Stalled'],
  },
};
