import { ACCOUNT_ID, REGION } from '../../lambdas/contract/settings.js';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { formatJobKey, type JobKey, parseJobKey } from '../../lambdas/core/job-key.js';
import { isServiceId, SERVICE_IDS, type ServiceId } from '../../lambdas/core/service-id.js';
import { isJobStatus, JOB_STATUSES, type JobStatus } from '../../lambdas/core/status.js';
import { positiveInteger, type Values } from '../args.js';
import { ParameterError } from '../errors.js';
import type { CommandResult } from '../output.js';
import type { Collected, PagingFlags } from '../paging.js';
import type { TargetFilter } from '../queries.js';

export function pagingFlags(values: Values): PagingFlags {
  const maxItems = positiveInteger(values, 'max-items');
  return {
    ...(maxItems !== undefined && { maxItems }),
    ...(values['starting-token'] !== undefined && { startingToken: values['starting-token'] }),
  };
}

export function order(values: Values): { newestFirst: boolean } {
  return { newestFirst: values['newest-first'] === true };
}

/** A job or record as JSON: its `jobKey` string first, the same one the events carry. */
export function withJobKey<T extends { readonly key: JobKey } | { readonly snapshot: { key: JobKey } }>(
  value: T,
): { jobKey: string } & T {
  const key = 'key' in value ? value.key : value.snapshot.key;
  return { jobKey: formatJobKey(key), ...value };
}

/** A list command's answer: `{ Items, NextToken }` as data, a table (or what is empty) for people. */
export function listResult<T extends { readonly key: JobKey } | { readonly snapshot: { key: JobKey } }>(
  page: Collected<T>,
  render: (items: T[]) => string,
  empty: string,
): CommandResult {
  return {
    data: { Items: page.items.map(withJobKey), ...(page.nextToken && { NextToken: page.nextToken }) },
    table: () => (page.items.length === 0 ? empty : render(page.items)),
    ...(page.nextToken && { nextToken: page.nextToken }),
  };
}

export function jobKeyArg(command: string, args: readonly string[]): string {
  if (args.length !== 1 || args[0] === undefined) throw new ParameterError(`${command} needs one job key`);
  try {
    return formatJobKey(parseJobKey(args[0]));
  } catch (error) {
    throw new ParameterError(error instanceof Error ? error.message : String(error));
  }
}

export function noExtraArgs(command: string, args: readonly string[]): void {
  if (args.length > 0) throw new ParameterError(`${command} takes no arguments, got "${args.join(' ')}"`);
}

export function serviceFlag(values: Values): ServiceId | undefined {
  if (values.service === undefined) return undefined;
  if (!isServiceId(values.service)) {
    throw new ParameterError(`Unknown service "${values.service}"; one of ${SERVICE_IDS.join(', ')}`);
  }
  return values.service;
}

export function statusArg(value: string): JobStatus {
  const status = value.toUpperCase();
  if (!isJobStatus(status)) {
    throw new ParameterError(`Unknown status "${value}"; one of ${JOB_STATUSES.join(', ')}`);
  }
  return status;
}

export function kindFlag(value: string | undefined): HistoryRecord['kind'] | undefined {
  if (value === undefined) return undefined;
  if (value === 'transition' || value === 'stall' || value === 'progress') return value;
  throw new ParameterError(`Unknown kind "${value}"; one of transition, stall, progress`);
}

/** `--account` (repeatable, or a comma list) and `--job-region`: the jobs' targets to read. */
export function targetFlags(values: Values): TargetFilter {
  const accountIds = (values.account ?? []).flatMap((text) => text.split(',')).map((id) => id.trim());
  const bad = accountIds.find((id) => !ACCOUNT_ID.test(id));
  if (bad !== undefined) throw new ParameterError(`--account takes 12-digit account ids, not "${bad}"`);
  const region = values['job-region'];
  if (region !== undefined && !REGION.test(region)) {
    throw new ParameterError(`--job-region takes a region such as us-east-1, not "${region}"`);
  }
  return {
    ...(accountIds.length > 0 && { accountIds }),
    ...(region !== undefined && { region }),
  };
}
