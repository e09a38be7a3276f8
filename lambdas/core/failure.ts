import { JobStatus } from './status.js';

/** A failure reason longer than this is cut: it says why, never what the job carried. */
export const MAX_FAILURE_CHARS = 512;

/** The part of a service's text a reason is made from: far more than it keeps, cut before redacting. */
const REDACT_WINDOW_CHARS = MAX_FAILURE_CHARS * 4;

/** What stands in for a piece of job data a reason named. */
export const REDACTED = '<redacted>';

/**
 * The statuses a failure reason belongs to: the job failed, or finished with part of its input failed.
 * A message on any other status is the service's chatter, not a reason.
 */
export function hasFailure(status: JobStatus): boolean {
  return status === JobStatus.FAILED || status === JobStatus.SUCCEEDED_WITH_ERRORS;
}

/** File extensions of the inputs and outputs of the five services' jobs (and of archives of them). */
const DATA_FILE =
  /\b[\w.-]*\.(?:json|ndjson|jsonl|csv|tsv|txt|xml|parquet|avro|orc|dcm|dicom|fa|fasta|fna|fastq|fq|bam|sam|cram|vcf|gvcf|bed|gz|bgz|bz2|zip|tar)\b/gi;

/**
 * Job data is left out of a reason, which goes to the store, the logs and every event consumer: S3 URIs
 * and other URLs, paths, file names, quoted values (a record's content, a field's value) and e-mail
 * addresses each become `<redacted>`. Whitespace runs (and control characters) become one space, and the
 * reason is cut to MAX_FAILURE_CHARS code points. Empty: undefined.
 */
export function failureReason(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // Cut first: the patterns below scan to the end of a word, quadratic on a long one (a 1 MB message).
  const redacted = text
    .slice(0, REDACT_WINDOW_CHARS)
    .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, REDACTED)
    .replace(/"[^"]*"|'[^'\s][^']*'|`[^`]*`/g, REDACTED)
    .replace(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, REDACTED)
    .replace(/(?:^|(?<=\s))\S*\/\S*/g, REDACTED)
    .replace(DATA_FILE, REDACTED)
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .trim();
  if (redacted === '') return undefined;
  const chars = Array.from(redacted);
  return chars.length <= MAX_FAILURE_CHARS ? redacted : `${chars.slice(0, MAX_FAILURE_CHARS - 1).join('')}…`;
}
