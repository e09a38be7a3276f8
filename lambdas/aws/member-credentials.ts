import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { hubSessionName, memberRoleArn } from '../contract/hub.js';
import type { Target } from '../core/target.js';
import { baseClientConfig, type ClientSettings, type CredentialsProvider } from './client-config.js';

export interface MemberCredentialsInit {
  readonly partition: string;
  readonly target: Target;
  readonly roleName: string;
  readonly service: string;
  /** The function's own region: STS is called there (its regional endpoint), with the function's own role. */
  readonly hubRegion: string;
  /** The function's client settings: attempts and timeouts for the STS calls too. */
  readonly settings: ClientSettings;
  /** Session length; STS's default (one hour) when absent. */
  readonly durationSeconds?: number;
}

/**
 * Credentials of a target's read role: STS AssumeRole of `arn:<partition>:iam::<account>:role/<roleName>`,
 * with the session name that tells CloudTrail readers who called. The SDK's own provider assumes the role;
 * smithy's memoizer (the one every client uses) keeps the credentials until five minutes before they expire,
 * so one warm poller assumes each role about once an hour, whatever its schedule.
 */
export function memberCredentials(init: MemberCredentialsInit): CredentialsProvider {
  const { endpoint: _serviceEndpoint, credentials: _own, ...stsSettings } = init.settings;
  const provider = fromTemporaryCredentials({
    params: {
      RoleArn: memberRoleArn(init.partition, init.target.accountId, init.roleName),
      RoleSessionName: hubSessionName(init.service),
      ...(init.durationSeconds !== undefined && { DurationSeconds: init.durationSeconds }),
    },
    // The SDK still honours AWS_ENDPOINT_URL_STS, which local mode and the tests use.
    clientConfig: { ...baseClientConfig(stsSettings), region: init.hubRegion },
  });
  return memoizeIdentityProvider(
    provider,
    isIdentityExpired,
    doesIdentityRequireRefresh,
  ) as CredentialsProvider;
}
