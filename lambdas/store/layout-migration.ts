import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { JobsTableAttributes as A, ACTIVE_JOBS_PARTITION } from '../contract/table-schema.js';
import { CURRENT_SORT_KEY } from './item-codec.js';

/**
 * The one step of moving a table of the earlier layout to this one that a deploy cannot do: an active
 * job's current item of the earlier layout carries `activeService` (the old index's key) and no
 * `activeJob`, so it is in no index the pollers read. Each such item gets `activeJob` (and loses
 * `activeService`) with an update conditioned on its version, so a job a poller wrote meanwhile, already in
 * this layout, is left alone. Same version: the stream publisher writes no history and sends no event.
 */

/** The earlier layout's attribute: the service, on current items of active jobs. */
export const EARLIER_ACTIVE_SERVICE = 'activeService';

export interface LayoutMigration {
  /** Items of the earlier layout found. */
  readonly found: number;
  /** Of those, moved to this layout (0 on a dry run). */
  readonly migrated: number;
  /** Written by someone else between the scan and the update: already in this layout. */
  readonly changedMeanwhile: number;
  /** Their job keys, in scan order. */
  readonly jobKeys: readonly string[];
}

/** One Scan of the table (current items of the earlier layout only come back) and an update per item. */
export async function migrateActiveItems(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: { readonly dryRun?: boolean } = {},
): Promise<LayoutMigration> {
  const jobKeys: string[] = [];
  let migrated = 0;
  let changedMeanwhile = 0;
  const pages = paginateScan(
    { client: doc },
    {
      TableName: tableName,
      FilterExpression: '#sk = :current AND attribute_exists(#old) AND attribute_not_exists(#new)',
      ProjectionExpression: '#pk, #sk, #key, version',
      ExpressionAttributeNames: {
        '#pk': A.PARTITION_KEY,
        '#sk': A.SORT_KEY,
        '#key': A.JOB_KEY,
        '#old': EARLIER_ACTIVE_SERVICE,
        '#new': A.ACTIVE_JOB,
      },
      ExpressionAttributeValues: { ':current': CURRENT_SORT_KEY },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      jobKeys.push(String(item[A.JOB_KEY] ?? item[A.PARTITION_KEY]));
      if (options.dryRun) continue;
      if (await moveItem(doc, tableName, item)) migrated += 1;
      else changedMeanwhile += 1;
    }
  }
  return { found: jobKeys.length, migrated, changedMeanwhile, jobKeys };
}

/** False when the item's version moved on since the scan (its new write is in this layout). */
async function moveItem(
  doc: DynamoDBDocumentClient,
  tableName: string,
  item: Record<string, unknown>,
): Promise<boolean> {
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { [A.PARTITION_KEY]: item[A.PARTITION_KEY], [A.SORT_KEY]: item[A.SORT_KEY] },
        UpdateExpression: 'SET #new = :active REMOVE #old',
        ConditionExpression: 'version = :version AND attribute_exists(#old)',
        ExpressionAttributeNames: { '#new': A.ACTIVE_JOB, '#old': EARLIER_ACTIVE_SERVICE },
        ExpressionAttributeValues: { ':active': ACTIVE_JOBS_PARTITION, ':version': item.version },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
