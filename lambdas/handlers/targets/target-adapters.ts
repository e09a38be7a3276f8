import { callService } from '../../aws/call-service.js';
import type { ClientSettings, CredentialsProvider } from '../../aws/client-config.js';
import { memberCredentials } from '../../aws/member-credentials.js';
import type { TargetSettings } from '../../contract/settings.js';
import type { ServiceAdapter } from '../../core/adapter.js';
import type { Log } from '../../core/ports.js';
import type { ServiceId } from '../../core/service-id.js';
import { type Target, targetLabel } from '../../core/target.js';
import type { AdapterInit } from '../../services/service-module.js';
import { targetLog } from './target-log.js';

/** Who the function is: from its own ARN (`arn:<partition>:lambda:<region>:<account>:function:<name>`). */
export interface OwnIdentity {
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
}

export interface TargetAdaptersInit {
  readonly service: ServiceId;
  readonly clientSettings: ClientSettings;
  readonly targets: TargetSettings;
  readonly log: Log;
  /** The service's adapter for one target, paced by its own limiter (quotas are per account and region). */
  readonly createAdapter: (init: AdapterInit) => ServiceAdapter;
}

interface TargetEntry {
  readonly adapter: ServiceAdapter;
  /** The assumed role's credentials; undefined for the function's own account (its own credentials). */
  readonly credentials: CredentialsProvider | undefined;
  readonly log: Log;
}

/**
 * One adapter per target, built on first use and kept while the function is warm, so each target keeps
 * its limiter and its credentials (assumed again only shortly before they expire) from run to run.
 */
export class TargetAdapters {
  private readonly entries = new Map<string, TargetEntry>();

  constructor(private readonly init: TargetAdaptersInit) {}

  /** The target's adapter and log. */
  entry(target: Target, own: OwnIdentity): TargetEntry {
    const label = targetLabel(target);
    let entry = this.entries.get(label);
    if (!entry) {
      entry = this.build(target, own, label);
      this.entries.set(label, entry);
    }
    return entry;
  }

  /** Makes sure the target's credentials can be had: the role assumption, classified like any call. */
  async check(target: Target, own: OwnIdentity): Promise<void> {
    const { credentials } = this.entry(target, own);
    if (credentials) await callService(this.init.service, 'AssumeRole', undefined, credentials);
  }

  private build(target: Target, own: OwnIdentity, label: string): TargetEntry {
    const { service, clientSettings, targets } = this.init;
    const credentials =
      target.accountId === own.accountId
        ? undefined
        : memberCredentials({
            partition: own.partition,
            target,
            roleName: targets.memberRoleName,
            service,
            hubRegion: own.region,
            settings: clientSettings,
          });
    const log = targetLog(this.init.log, label);
    const adapter = this.init.createAdapter({
      settings: { ...clientSettings, ...(credentials && { credentials }) },
      region: target.region,
      accountId: target.accountId,
      log,
    });
    return { adapter, credentials, log };
  }
}

/** The function's identity from its ARN; the region falls back to the function's environment. */
export function ownIdentity(invokedFunctionArn: string, region: string): OwnIdentity {
  const [, partition = 'aws', , arnRegion, accountId = ''] = invokedFunctionArn.split(':');
  return { partition, accountId, region: arnRegion || region };
}
