import { DEFAULT_MEMBER_ROLE_NAME } from '../../lambdas/contract/hub.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import {
  ACCOUNT_ID,
  REGION,
  ROLE_NAME,
  resolveServiceScope,
  type S3Location,
  SettingsError,
} from '../settings.js';

export { ACCOUNT_ID, REGION };

/**
 * What a member account is set up for. `services` and `imagingManifestLocations` mean what they mean for
 * the hub (same keys, same defaults), so members grant exactly what the hub's pollers call.
 */
export interface MemberSettings {
  readonly services?: readonly ServiceId[];
  readonly imagingManifestLocations?: readonly string[];
  /** Name of the read role in every member account. Default `JobStatusAggregatorRead`. */
  readonly memberRoleName?: string;
  /** The hub's account and region. In the member template they are parameters; these are their defaults. */
  readonly hubAccount?: string;
  readonly hubRegion?: string;
  /** The member region that creates the read role (IAM is global). Template parameter default. */
  readonly memberRoleRegion?: string;
}

export interface ResolvedMemberSettings {
  readonly services: readonly ServiceId[];
  readonly imagingManifestLocations: readonly S3Location[];
  readonly memberRoleName: string;
  readonly hubAccount: string | undefined;
  readonly hubRegion: string | undefined;
  readonly memberRoleRegion: string | undefined;
}

/** Applies defaults and validates; throws one `SettingsError` listing every problem. */
export function resolveMemberSettings(input: MemberSettings): ResolvedMemberSettings {
  const problems: string[] = [];
  let shared: ReturnType<typeof resolveServiceScope> | undefined;
  try {
    shared = resolveServiceScope({
      ...(input.services && { services: input.services }),
      ...(input.imagingManifestLocations && { imagingManifestLocations: input.imagingManifestLocations }),
    });
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    problems.push(...error.problems);
  }
  const memberRoleName = input.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME;
  if (!ROLE_NAME.test(memberRoleName)) {
    problems.push(
      `memberRoleName: ${JSON.stringify(memberRoleName)} is not an IAM role name (1-64 of A-Z a-z 0-9 + = , . @ _ -). Example: -c memberRoleName=JobStatusAggregatorRead`,
    );
  }
  checkPattern(problems, 'hubAccount', input.hubAccount, ACCOUNT_ID, 'a 12-digit account id', '123456789012');
  checkPattern(problems, 'hubRegion', input.hubRegion, REGION, 'a region', 'eu-west-1');
  checkPattern(problems, 'memberRoleRegion', input.memberRoleRegion, REGION, 'a region', 'eu-west-1');
  if (problems.length > 0 || !shared) throw new SettingsError(problems);
  return {
    services: shared.services,
    imagingManifestLocations: shared.services.includes('healthimaging')
      ? shared.imagingManifestLocations
      : [],
    memberRoleName,
    hubAccount: input.hubAccount,
    hubRegion: input.hubRegion,
    memberRoleRegion: input.memberRoleRegion,
  };
}

export function checkPattern(
  problems: string[],
  key: string,
  value: string | undefined,
  pattern: RegExp,
  what: string,
  example: string,
): void {
  if (value !== undefined && !pattern.test(value)) {
    problems.push(`${key}: ${JSON.stringify(value)} is not ${what}. Example: -c ${key}=${example}`);
  }
}
