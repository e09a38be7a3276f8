import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * The security checks of a chaos run: nothing secret or job-content-like in any log line, and every event
 * detail valid against its published JSON Schema (which forbids undocumented fields) and free of locations,
 * role ARNs and key ids.
 */

/** A string that must not appear, and why. */
export interface Needle {
  readonly text: string;
  readonly what: string;
}

export interface Finding {
  readonly what: string;
  readonly text: string;
  /** The offending line or detail, shortened. */
  readonly sample: string;
}

/** Patterns that must never appear in a log line, whatever the run's data. */
export const FORBIDDEN_PATTERNS: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /arn:aws[a-z-]*:iam::\d{12}:role\//, what: 'an IAM role ARN (data access role)' },
  { pattern: /arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\//, what: 'a KMS key ARN' },
  { pattern: /s3:\/\/[a-z0-9.-]+\//, what: 'an S3 location of job input or output' },
  { pattern: /"imageSetsSummary"|numberOfMatchedSOPInstances|successOutputS3Uri/, what: 'manifest content' },
  { pattern: /AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}/, what: 'an AWS access key id' },
];

/** Searches lines for needles and forbidden patterns. */
export function scanLines(lines: readonly string[], needles: readonly Needle[]): Finding[] {
  const findings: Finding[] = [];
  for (const line of lines) {
    for (const needle of needles) {
      if (needle.text !== '' && line.includes(needle.text)) {
        findings.push({ what: needle.what, text: needle.text, sample: excerpt(line, needle.text) });
      }
    }
    for (const { pattern, what } of FORBIDDEN_PATTERNS) {
      const match = pattern.exec(line);
      if (match) findings.push({ what, text: match[0], sample: excerpt(line, match[0]) });
    }
  }
  return findings;
}

function excerpt(line: string, text: string): string {
  const at = line.indexOf(text);
  return line.slice(Math.max(0, at - 80), at + text.length + 80);
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validators = new Map<string, ValidateFunction>();

function validator(detailType: string): ValidateFunction | undefined {
  const file =
    detailType === 'Job Status Changed'
      ? 'job-status-changed.v1.schema.json'
      : detailType === 'Job Stalled'
        ? 'job-stalled.v1.schema.json'
        : undefined;
  if (!file) return undefined;
  let compiled = validators.get(file);
  if (!compiled) {
    const url = new URL(`../../schemas/${file}`, import.meta.url);
    compiled = ajv.compile(JSON.parse(readFileSync(url, 'utf8')) as object);
    validators.set(file, compiled);
  }
  return compiled;
}

/** Problems of one event detail: schema errors (undocumented fields included) and forbidden content. */
export function detailProblems(detailType: string, detail: unknown): string[] {
  const validate = validator(detailType);
  if (!validate) return [`no schema for detail-type ${JSON.stringify(detailType)}`];
  const problems: string[] = [];
  if (!validate(detail)) problems.push(ajv.errorsText(validate.errors));
  const text = JSON.stringify(detail);
  for (const { pattern, what } of FORBIDDEN_PATTERNS) {
    if (pattern.test(text)) problems.push(`carries ${what}`);
  }
  return problems;
}
