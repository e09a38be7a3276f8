import {
  ListAccountsForParentCommand,
  ListChildrenCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { hubDiscoverySessionName } from '../contract/hub.js';
import type { ListedAccount, OrganizationTree } from '../core/poll/account-discovery.js';
import type { ServiceId } from '../core/service-id.js';
import { baseClientConfig, type ClientSettings, type CredentialsProvider } from './client-config.js';
import { pages } from './pages.js';

export interface OrganizationReaderInit {
  /** The poller's service, for the classified errors. */
  readonly service: ServiceId;
  /** The function's own region: Organizations' endpoint is global, the SDK maps any region onto it. */
  readonly region: string;
  readonly settings: ClientSettings;
  /** A role in the management or delegated-administrator account; absent: the function's own role. */
  readonly roleArn: string | undefined;
}

/**
 * The Organization's tree through `@aws-sdk/client-organizations`, every page of each list. With a role,
 * its credentials are assumed with the aggregator's session name and kept until shortly before they expire.
 */
export function organizationReader(init: OrganizationReaderInit): OrganizationTree {
  const { endpoint: _serviceEndpoint, credentials: _own, ...settings } = init.settings;
  const credentials = init.roleArn ? discoveryCredentials(init, settings) : undefined;
  // The SDK still honours AWS_ENDPOINT_URL_ORGANIZATIONS, which local mode and the tests use.
  const client = new OrganizationsClient({
    ...baseClientConfig({ ...settings, ...(credentials && { credentials }) }),
    region: init.region,
  });
  const call = (operation: string) => ({ service: init.service, operation });
  return {
    async *childUnits(parentId) {
      const listed = pages(
        call('ListChildren'),
        (NextToken) =>
          client.send(
            new ListChildrenCommand({ ParentId: parentId, ChildType: 'ORGANIZATIONAL_UNIT', NextToken }),
          ),
        (page) => page.NextToken,
      );
      for await (const page of listed) for (const child of page.Children ?? []) if (child.Id) yield child.Id;
    },
    async *accounts(parentId) {
      const listed = pages(
        call('ListAccountsForParent'),
        (NextToken) => client.send(new ListAccountsForParentCommand({ ParentId: parentId, NextToken })),
        (page) => page.NextToken,
      );
      for await (const page of listed) {
        for (const account of page.Accounts ?? []) {
          if (account.Id) yield { id: account.Id, active: isActive(account) } satisfies ListedAccount;
        }
      }
    },
  };
}

/** `State` replaces the deprecated `Status`; either says ACTIVE for an account that can be polled. */
function isActive(account: {
  readonly State?: string | undefined;
  readonly Status?: string | undefined;
}): boolean {
  return (account.State ?? account.Status) === 'ACTIVE';
}

function discoveryCredentials(init: OrganizationReaderInit, settings: ClientSettings): CredentialsProvider {
  const provider = fromTemporaryCredentials({
    params: { RoleArn: init.roleArn as string, RoleSessionName: hubDiscoverySessionName(init.service) },
    clientConfig: { ...baseClientConfig(settings), region: init.region },
  });
  return memoizeIdentityProvider(
    provider,
    isIdentityExpired,
    doesIdentityRequireRefresh,
  ) as CredentialsProvider;
}
