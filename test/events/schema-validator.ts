import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { DetailType } from '../../lambdas/events/contract.js';

/** The repository's JSON Schemas, compiled by a real validator (Ajv, draft 2020-12, formats checked). */
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);

function load(file: string): ValidateFunction {
  const url = new URL(`../../schemas/${file}`, import.meta.url);
  return ajv.compile(JSON.parse(readFileSync(url, 'utf8')) as object);
}

export const validators: Record<DetailType, ValidateFunction> = {
  [DetailType.STATUS_CHANGED]: load('job-status-changed.v1.schema.json'),
  [DetailType.STALLED]: load('job-stalled.v1.schema.json'),
};

/** The validation errors of a detail for its detail-type, as readable text; '' when it is valid. */
export function schemaErrors(detailType: string, detail: unknown): string {
  const validate = validators[detailType as DetailType];
  if (!validate) return `no schema for detail-type "${detailType}"`;
  return validate(detail) ? '' : ajv.errorsText(validate.errors);
}
