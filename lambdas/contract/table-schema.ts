/**
 * The jobs table, as plain data: the CDK stack and the local/test table builder both read this, so the
 * deployed table and the one tests run against cannot drift apart. See docs/table-design.md for the why.
 */

export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /**
   * Every index projects the whole item: each query returns complete jobs or records, and the items are
   * small (see docs/table-design.md); what keeps index writes down is which items carry the keys and that
   * the keys do not change on every write.
   */
  readonly projection: 'ALL';
}

/** Attribute names that the key schema, the indexes and TTL use. */
export const JobsTableAttributes = {
  /** Base partition key: `JOB#<formatJobKey(key)>`, one item collection per job. */
  PARTITION_KEY: 'pk',
  /** Base sort key: `CURRENT` for the current snapshot, `H#<10-digit version>` for history. */
  SORT_KEY: 'sk',
  /**
   * On current items of non-terminal jobs only (sparse): always `ACTIVE_JOBS_PARTITION`, so every active
   * job of every service is in one `ActiveByJobKey` partition, ordered by job key.
   */
  ACTIVE_JOB: 'activeJob',
  /** On current items: `formatJobKey(key)`, which starts `service/region/account/`: a target is a prefix. */
  JOB_KEY: 'jobKey',
  /** On current items: ISO time the job entered its current status. */
  STATUS_SINCE: 'statusSince',
  /** On current items of final jobs only (sparse): the normalized status. */
  CURRENT_STATUS: 'currentStatus',
  /**
   * The record kind (`transition`, `stall`, `progress`): on history items, and on the current item of a
   * final job, which holds the job's last record itself.
   */
  CHANGE_KIND: 'changeKind',
  /** Beside `changeKind`: ISO time the change was observed. */
  CHANGED_AT: 'changedAt',
  /** On history items only: epoch seconds after which DynamoDB TTL deletes the record. */
  EXPIRES_AT: 'expiresAt',
} as const;

export const JobsTableIndexes = {
  /** Non-terminal jobs, by job key (so by service, region and account first). Sparse. */
  ACTIVE_BY_JOB_KEY: 'ActiveByJobKey',
  /** Final jobs per normalized status, by the time they entered it. Sparse. */
  BY_STATUS: 'ByStatus',
  /** Records per kind, by observation time: the "what changed when" feed. */
  CHANGES_BY_TIME: 'ChangesByTime',
} as const;

/** The one value of `activeJob`: the `ActiveByJobKey` partition. */
export const ACTIVE_JOBS_PARTITION = 'ACTIVE';

export const JOBS_TABLE_SCHEMA = {
  partitionKey: { name: JobsTableAttributes.PARTITION_KEY, type: 'S' },
  sortKey: { name: JobsTableAttributes.SORT_KEY, type: 'S' },
  billingMode: 'PAY_PER_REQUEST',
  /** History items carry it; current items never do, so current snapshots are kept. */
  timeToLiveAttribute: JobsTableAttributes.EXPIRES_AT,
  /**
   * The stream publisher derives history and events from the current item's writes: the new image holds
   * the record, the old one tells a new version from a rewrite of the same one.
   */
  streamViewType: 'NEW_AND_OLD_IMAGES',
  globalSecondaryIndexes: [
    {
      indexName: JobsTableIndexes.ACTIVE_BY_JOB_KEY,
      partitionKey: { name: JobsTableAttributes.ACTIVE_JOB, type: 'S' },
      // Never changes while the job is active: a transition rewrites the index entry, never moves it. A
      // service, or one target of it, is a key prefix; the partition's write rate is the jobs' change
      // rate (tens per second at 100,000 active jobs), far below a partition's 1,000 units per second.
      sortKey: { name: JobsTableAttributes.JOB_KEY, type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: JobsTableIndexes.BY_STATUS,
      partitionKey: { name: JobsTableAttributes.CURRENT_STATUS, type: 'S' },
      sortKey: { name: JobsTableAttributes.STATUS_SINCE, type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: JobsTableIndexes.CHANGES_BY_TIME,
      partitionKey: { name: JobsTableAttributes.CHANGE_KIND, type: 'S' },
      sortKey: { name: JobsTableAttributes.CHANGED_AT, type: 'S' },
      projection: 'ALL',
    },
  ],
} as const satisfies {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  billingMode: 'PAY_PER_REQUEST';
  timeToLiveAttribute: string;
  streamViewType: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
  globalSecondaryIndexes: readonly IndexDefinition[];
};

/** The CloudFormation output the stack exports and the CLI's `--stack` reads. */
export const JOBS_TABLE_OUTPUT_NAME = 'JobsTableName';
