import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ClientSettings } from '../../aws/client-config.js';
import { organizationReader } from '../../aws/organization-reader.js';
import { CycleMetric } from '../../contract/metrics.js';
import type { TargetSettings } from '../../contract/settings.js';
import {
  AccountDiscovery,
  activeAccountsUnder,
  type DiscoveryResult,
  targetsWith,
} from '../../core/poll/account-discovery.js';
import type { Log } from '../../core/ports.js';
import type { ServiceId } from '../../core/service-id.js';
import { sameTarget, type Target } from '../../core/target.js';
import type { createMetrics } from '../observability.js';

export interface TargetListInit {
  readonly service: ServiceId;
  readonly settings: TargetSettings;
  readonly clientSettings: ClientSettings;
  /** The function's own region: discovered accounts are polled there when no region is set. */
  readonly region: string;
  readonly log: Log;
}

/**
 * The targets of a cycle: the listed ones, and with Organization units the active accounts under them in
 * every target region, read through `AccountDiscovery` (cached, with its fallbacks). The last list a cycle
 * used also decides which forwarded native events belong to a watched target.
 */
export class TargetList {
  private readonly discovery: AccountDiscovery | undefined;
  private readonly regions: readonly string[];
  private last: readonly Target[];
  private loaded = false;

  constructor(private readonly init: TargetListInit) {
    const { settings, service, clientSettings, region, log } = init;
    this.last = settings.targets;
    this.regions = settings.discovery?.regions.length ? settings.discovery.regions : [region];
    const discovery = settings.discovery;
    if (!discovery) return;
    const tree = organizationReader({
      service,
      region,
      settings: clientSettings,
      roleArn: discovery.roleArn,
    });
    this.discovery = new AccountDiscovery({
      discover: () => activeAccountsUnder(tree, discovery.organizationUnits),
      cacheMs: discovery.cacheSeconds * 1000,
      now: Date.now,
      log,
    });
  }

  /** This cycle's targets, and how discovery went when there is discovery. */
  async current(): Promise<{ readonly targets: readonly Target[]; readonly discovery?: DiscoveryResult }> {
    if (!this.discovery) return { targets: this.init.settings.targets };
    const discovery = await this.discovery.current();
    this.loaded = true;
    this.last = targetsWith(this.init.settings.targets, discovery.accounts, this.regions);
    return { targets: this.last, discovery };
  }

  /**
   * Whether a batch sent by this function's scheduled run may name `target`: a listed target, or with
   * discovery any account in a target region (the batch came from a discovered list).
   */
  mayPoll(target: Target): boolean {
    if (this.init.settings.targets.some((listed) => sameTarget(listed, target))) return true;
    return this.discovery !== undefined && this.regions.includes(target.region);
  }

  /** The watched target an event names; none when it names none or one not watched. */
  async watched(named: Target | undefined): Promise<Target | undefined> {
    // A cold function's first event comes before any cycle: the discovered accounts count too.
    if (this.discovery && !this.loaded) await this.current();
    return named && this.last.find((target) => sameTarget(target, named));
  }
}

/** One count when a cycle's discovery failed or found no account (the cycle fell back; see the log). */
export function publishDiscoveryProblem(
  metrics: ReturnType<typeof createMetrics>,
  discovery: DiscoveryResult | undefined,
): void {
  if (!discovery?.problem) return;
  metrics.singleMetric().addMetric(CycleMetric.DISCOVERY_FAILURES, MetricUnit.Count, 1);
}
