import { errorMessage, failureKindOf } from '../errors.js';
import type { Log } from '../ports.js';
import { type Target, targetLabel } from '../target.js';

/** One account as the Organization lists it under a parent. */
export interface ListedAccount {
  readonly id: string;
  /** Only an active account is polled: a suspended or closing one has no working role. */
  readonly active: boolean;
}

/** The Organization's tree, read page by page (lambdas/aws/organization-reader.ts implements it). */
export interface OrganizationTree {
  /** The OUs directly under a root or an OU. */
  childUnits(parentId: string): AsyncIterable<string>;
  /** The accounts directly under a root or an OU. */
  accounts(parentId: string): AsyncIterable<ListedAccount>;
}

/**
 * The active accounts under `parents` (roots or OUs) and every OU below them, each once, sorted. A tree is
 * walked breadth first and each OU read once, however often the settings or the tree name it.
 */
export async function activeAccountsUnder(tree: OrganizationTree, parents: readonly string[]) {
  const accounts = new Set<string>();
  const seen = new Set<string>();
  let level = [...new Set(parents)];
  while (level.length > 0) {
    const next: string[] = [];
    for (const parent of level) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      for await (const account of tree.accounts(parent)) if (account.active) accounts.add(account.id);
      for await (const unit of tree.childUnits(parent)) next.push(unit);
    }
    level = next;
  }
  return [...accounts].sort();
}

/** Where a cycle's account list came from. */
export type DiscoverySource = 'discovered' | 'cached' | 'last-good' | 'listed-only';

export interface DiscoveryResult {
  /** The discovered accounts to poll (the explicitly listed ones are added by the caller). */
  readonly accounts: readonly string[];
  readonly source: DiscoverySource;
  /** Set when this cycle's discovery failed or found no account: logged, counted, and fallen back from. */
  readonly problem?: {
    readonly kind: 'failed' | 'empty';
    readonly errorKind: string;
    readonly error: string;
  };
}

export interface AccountDiscoveryInit {
  /** Reads the Organization: the active accounts under the configured OUs. */
  readonly discover: () => Promise<readonly string[]>;
  /** How long a discovered list is used before the Organization is read again. */
  readonly cacheMs: number;
  readonly now: () => number;
  readonly log: Log;
}

/**
 * The Organization's accounts for a cycle, read at most once per `cacheMs`. A read that fails or finds no
 * account is not believed: the cycle goes on with the last good list (or, before any, with the explicitly
 * listed accounts alone), so a passing fault never makes the hub poll nothing or forget its targets. The
 * failure is retried in the next cycle, not cached.
 */
export class AccountDiscovery {
  private lastGood: { readonly accounts: readonly string[]; readonly at: number } | undefined;

  constructor(private readonly init: AccountDiscoveryInit) {}

  async current(): Promise<DiscoveryResult> {
    const { now, cacheMs, log } = this.init;
    if (this.lastGood && now() - this.lastGood.at < cacheMs) {
      return { accounts: this.lastGood.accounts, source: 'cached' };
    }
    let problem: NonNullable<DiscoveryResult['problem']>;
    try {
      const accounts = await this.init.discover();
      if (accounts.length > 0) {
        this.lastGood = { accounts, at: now() };
        log.info('discovered the accounts of the Organization units', { accounts: accounts.length });
        return { accounts, source: 'discovered' };
      }
      problem = { kind: 'empty', errorKind: 'empty', error: 'no active account under the configured OUs' };
    } catch (error) {
      problem = { kind: 'failed', errorKind: failureKindOf(error), error: errorMessage(error) };
    }
    const fallback = this.lastGood?.accounts ?? [];
    const source: DiscoverySource = this.lastGood ? 'last-good' : 'listed-only';
    log.error('account discovery failed or found no account; this cycle polls the last good list', {
      ...problem,
      fallback: source,
      accounts: fallback.length,
    });
    return { accounts: fallback, source, problem };
  }
}

/**
 * What a cycle polls: the listed targets first, in their order, then every discovered account in each of
 * `regions`; each account and region once.
 */
export function targetsWith(
  listed: readonly Target[],
  accounts: readonly string[],
  regions: readonly string[],
): Target[] {
  const all = new Map<string, Target>();
  for (const target of listed) all.set(targetLabel(target), target);
  for (const accountId of accounts) {
    for (const region of regions) {
      const target = { accountId, region };
      if (!all.has(targetLabel(target))) all.set(targetLabel(target), target);
    }
  }
  return [...all.values()];
}
