import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { Target } from '../../lambdas/core/target.js';
import { StsStandIn } from '../fakes/sts-standin.js';
import { TenantRouter } from '../fakes/tenants.js';
import type { ServiceDriver } from '../services/driver.js';
import { S3StandIn } from './s3-standin.js';
import {
  type CallStats,
  type SimulatedJob,
  Simulator,
  type SimulatorOptions,
  type TickResult,
} from './simulator.js';

export interface TenantWorldOptions extends Omit<SimulatorOptions, 'region' | 'accountId' | 's3'> {
  /** The hub's own account: the keys the STS stand-in did not issue act in it. */
  readonly hubAccountId: string;
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
}

/**
 * The simulator in several accounts and regions, as a hub sees them: one simulator per account and region
 * (each from its own part of the seed), behind one endpoint per service that sends each call to its
 * tenant's fake by the SigV4 access key (issued by the STS stand-in for the member role) and region. The
 * runner uses it like one simulator.
 */
export class TenantWorld {
  readonly sts: StsStandIn;
  readonly s3 = new S3StandIn();
  readonly services: readonly ServiceId[];
  private readonly worlds = new Map<string, Simulator>();
  private readonly routers = new Map<ServiceId, TenantRouter<ServiceDriver>>();

  constructor(options: TenantWorldOptions) {
    this.sts = new StsStandIn({ ownAccountId: options.hubAccountId });
    let index = 0;
    for (const accountId of options.accounts) {
      for (const region of options.regions) {
        const seed = (options.seed + Math.imul(index++, 0x9e3779b1)) >>> 0;
        this.worlds.set(
          `${accountId}:${region}`,
          new Simulator({ ...options, seed, accountId, region, s3: this.s3 }),
        );
      }
    }
    const first = [...this.worlds.values()][0];
    this.services = first?.services ?? [];
    for (const service of this.services) {
      this.routers.set(
        service,
        new TenantRouter(this.sts, (tenant) =>
          this.driverOf(`${tenant.accountId}:${tenant.region}`, service),
        ),
      );
    }
  }

  /** The account-regions simulated, as the `targets` setting lists them. */
  targets(): Target[] {
    return [...this.worlds.keys()].map((id) => {
      const [accountId = '', region = ''] = id.split(':');
      return { accountId, region };
    });
  }

  get calls(): Map<ServiceId, CallStats> {
    const total = new Map<ServiceId, CallStats>();
    for (const world of this.worlds.values()) {
      for (const [service, stats] of world.calls) {
        const sum = total.get(service) ?? { calls: 0, throttled: 0 };
        total.set(service, { calls: sum.calls + stats.calls, throttled: sum.throttled + stats.throttled });
      }
    }
    return total;
  }

  jobs(): SimulatedJob[] {
    return [...this.worlds.values()].flatMap((world) => world.jobs());
  }

  watchedJobs(): SimulatedJob[] {
    return [...this.worlds.values()].flatMap((world) => world.watchedJobs());
  }

  allFinished(): boolean {
    return [...this.worlds.values()].every((world) => world.allFinished());
  }

  /** One endpoint per service: its tenant router. */
  endpoints(): ReadonlyMap<ServiceId, string> {
    return new Map([...this.routers].map(([service, router]) => [service, router.endpoint]));
  }

  async start(): Promise<void> {
    await this.s3.start();
    await this.sts.start();
    for (const world of this.worlds.values()) await world.start();
    for (const router of this.routers.values()) await router.start();
  }

  async stop(): Promise<void> {
    for (const router of this.routers.values()) await router.stop();
    for (const world of this.worlds.values()) await world.stop();
    await this.sts.stop();
    await this.s3.stop();
  }

  advance(): TickResult {
    const ticks = [...this.worlds.values()].map((world) => world.advance());
    return {
      tick: ticks[0]?.tick ?? 0,
      arrived: ticks.flatMap((tick) => tick.arrived),
      moved: ticks.flatMap((tick) => tick.moved),
      throttlesArmed: ticks.flatMap((tick) => tick.throttlesArmed),
    };
  }

  collectCalls(): void {
    for (const world of this.worlds.values()) world.collectCalls();
  }

  private driverOf(tenant: string, service: ServiceId): ServiceDriver {
    const driver = this.worlds.get(tenant)?.drivers.get(service);
    if (!driver) throw new Error(`no simulated ${service} in ${tenant}`);
    return driver;
  }
}
