import { ParameterError } from './errors.js';
import type { Page, PageOptions } from './queries.js';

/**
 * `--max-items` and `--starting-token` as the AWS CLI pages: at most N items in all, and a `NextToken` to
 * pass back as `--starting-token` for the rest. The token is opaque: it wraps the query's own cursor (the
 * DynamoDB key of the last item returned) with the command it belongs to, so a token passed to another
 * command is refused instead of starting that one at a wrong key.
 */

export interface PagingFlags {
  readonly maxItems?: number;
  readonly startingToken?: string;
}

export interface Collected<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

/** Items per request when the command reads everything (what one DynamoDB page of job items holds). */
const READ_PAGE_SIZE = 500;

interface TokenState {
  readonly command: string;
  readonly cursor: string;
}

export function encodeNextToken(command: string, cursor: string): string {
  const state: TokenState = { command, cursor };
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

/** The query cursor a token holds; a `ParameterError` for a token that is not this command's. */
export function decodeStartingToken(command: string, token: string): string {
  let state: unknown;
  try {
    state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    state = undefined;
  }
  const { command: owner, cursor } = (state ?? {}) as Partial<Record<keyof TokenState, unknown>>;
  if (typeof cursor !== 'string' || typeof owner !== 'string') {
    throw new ParameterError('Invalid --starting-token: pass the NextToken of the previous call unchanged');
  }
  if (owner !== command) {
    throw new ParameterError(`--starting-token is the NextToken of "${owner}", not of "${command}"`);
  }
  return cursor;
}

/** Reads pages until `maxItems` items (or the end), and says where the rest starts. */
export async function collect<T>(
  command: string,
  flags: PagingFlags,
  fetchPage: (paging: PageOptions) => Promise<Page<T>>,
): Promise<Collected<T>> {
  const items: T[] = [];
  let cursor =
    flags.startingToken === undefined ? undefined : decodeStartingToken(command, flags.startingToken);
  do {
    const wanted = flags.maxItems === undefined ? READ_PAGE_SIZE : flags.maxItems - items.length;
    const page = await fetchPage({
      limit: Math.min(wanted, READ_PAGE_SIZE),
      ...(cursor !== undefined && { cursor }),
    });
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined && (flags.maxItems === undefined || items.length < flags.maxItems));
  return cursor === undefined ? { items } : { items, nextToken: encodeNextToken(command, cursor) };
}
