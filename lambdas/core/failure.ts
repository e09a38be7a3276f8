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
 * A reason goes to the store, the logs and every event consumer: job data is left out of it
 * (`redactJobData`), and it is cut to MAX_FAILURE_CHARS code points. Empty: undefined.
 */
export function failureReason(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const redacted = redactJobData(text, REDACT_WINDOW_CHARS);
  return redacted === '' ? undefined : cutCodePoints(redacted, MAX_FAILURE_CHARS);
}

/** `text` cut to at most `maxChars` code points, the last of them `…`, when it is longer; never splits a pair. */
export function cutCodePoints(text: string, maxChars: number): string {
  // A string has at least as many UTF-16 units as code points: most texts need no Array.from.
  if (text.length <= maxChars) return text;
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : `${chars.slice(0, maxChars - 1).join('')}…`;
}

/**
 * A service's text without the job data it may name: S3 URIs and other URLs, paths, file names, quoted
 * values (a record's content, a field's value) and e-mail addresses each become `<redacted>`; whitespace
 * runs (and control characters) become one space. Only the first `windowChars` are read: the patterns scan
 * to the end of a word, quadratic on a long one (a 1 MB message), so the text is cut first.
 */
export function redactJobData(text: string, windowChars: number): string {
  return text
    .slice(0, splitsPair(text, windowChars) ? windowChars - 1 : windowChars)
    .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, REDACTED)
    .replace(/"[^"]*"|'[^'\s][^']*'|`[^`]*`/g, REDACTED)
    .replace(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, REDACTED)
    .replace(/(?:^|(?<=\s))\S*\/\S*/g, REDACTED)
    .replace(DATA_FILE, REDACTED)
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .trim();
}

/** Whether a cut at `index` (UTF-16 units) would leave half a surrogate pair. */
function splitsPair(text: string, index: number): boolean {
  const unit = text.charCodeAt(index - 1);
  return index < text.length && unit >= 0xd800 && unit <= 0xdbff;
}
