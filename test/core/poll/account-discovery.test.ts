import { describe, expect, it } from 'vitest';
import {
  AccountDiscovery,
  activeAccountsUnder,
  type ListedAccount,
  type OrganizationTree,
  targetsWith,
} from '../../../lambdas/core/poll/account-discovery.js';
import { silentLog } from '../../../lambdas/core/ports.js';

/** A tree as plain data: parent → OUs, parent → accounts. */
function treeOf(units: Record<string, string[]>, accounts: Record<string, ListedAccount[]>) {
  const reads: string[] = [];
  const tree: OrganizationTree = {
    async *childUnits(parent) {
      reads.push(parent);
      yield* units[parent] ?? [];
    },
    async *accounts(parent) {
      yield* accounts[parent] ?? [];
    },
  };
  return { tree, reads };
}

describe('activeAccountsUnder', () => {
  it('walks every level below the OUs once, keeping active accounts only', async () => {
    // Arrange: ou-b is named twice (directly and below ou-a).
    const { tree, reads } = treeOf(
      { 'ou-a': ['ou-b'], 'ou-b': ['ou-c'] },
      {
        'ou-a': [{ id: '222222222222', active: true }],
        'ou-b': [
          { id: '111111111111', active: true },
          { id: '333333333333', active: false },
        ],
        'ou-c': [
          { id: '444444444444', active: true },
          { id: '222222222222', active: true },
        ],
      },
    );

    // Act
    const found = await activeAccountsUnder(tree, ['ou-a', 'ou-b']);

    // Assess
    expect(found).toEqual(['111111111111', '222222222222', '444444444444']);
    expect(reads.sort()).toEqual(['ou-a', 'ou-b', 'ou-c']);
  });
});

describe('AccountDiscovery', () => {
  const setup = (answers: (readonly string[] | Error)[]) => {
    let clock = 0;
    let calls = 0;
    const discovery = new AccountDiscovery({
      discover: async () => {
        const answer = answers[calls++];
        if (answer instanceof Error) throw answer;
        return answer ?? [];
      },
      cacheMs: 1000,
      now: () => clock,
      log: silentLog,
    });
    return { discovery, advance: (ms: number) => (clock += ms), calls: () => calls };
  };

  it('reads once per cache period and again after it', async () => {
    // Arrange
    const { discovery, advance, calls } = setup([['111111111111'], ['222222222222']]);

    // Act
    const first = await discovery.current();
    advance(999);
    const cached = await discovery.current();
    advance(1);
    const fresh = await discovery.current();

    // Assess
    expect([first.source, cached.source, fresh.source]).toEqual(['discovered', 'cached', 'discovered']);
    expect(fresh.accounts).toEqual(['222222222222']);
    expect(calls()).toBe(2);
  });

  it('falls back to the listed accounts alone, then to the last good list, and retries every cycle', async () => {
    // Arrange
    const { discovery, advance, calls } = setup([new Error('denied'), ['111111111111'], [], new Error('x')]);

    // Act
    const cold = await discovery.current();
    const good = await discovery.current();
    advance(1000);
    const empty = await discovery.current();
    const failed = await discovery.current();

    // Assess
    expect(cold).toMatchObject({ accounts: [], source: 'listed-only', problem: { kind: 'failed' } });
    expect(good).toEqual({ accounts: ['111111111111'], source: 'discovered' });
    expect(empty).toMatchObject({
      accounts: ['111111111111'],
      source: 'last-good',
      problem: { kind: 'empty' },
    });
    expect(failed).toMatchObject({
      accounts: ['111111111111'],
      source: 'last-good',
      problem: { kind: 'failed' },
    });
    expect(calls()).toBe(4);
  });
});

describe('targetsWith', () => {
  it('keeps the listed targets first and adds each discovered account in every region once', () => {
    const listed = [{ accountId: '111111111111', region: 'eu-west-1' }];
    expect(targetsWith(listed, ['111111111111', '222222222222'], ['eu-west-1', 'us-east-1'])).toEqual([
      { accountId: '111111111111', region: 'eu-west-1' },
      { accountId: '111111111111', region: 'us-east-1' },
      { accountId: '222222222222', region: 'eu-west-1' },
      { accountId: '222222222222', region: 'us-east-1' },
    ]);
  });
});
