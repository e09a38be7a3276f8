import type { IdRule } from '../../lambdas/core/service-definition.js';
import { errors, type FakeServiceError } from './fake-aws-server.js';

/**
 * Request checks the way a service answers a request that breaks its model: a ValidationException that
 * names the member, its value and the constraint it broke.
 */

export function constraint(field: string, value: unknown, rule: string): FakeServiceError {
  return errors.validation(
    `1 validation error detected: Value ${JSON.stringify(value)} at '${field}' failed to satisfy constraint: ${rule}`,
  );
}

/** `value`, when the service's id rule accepts it. */
export function checkedId(field: string, value: string, rule: IdRule | undefined): string {
  const problem = rule?.(value);
  if (problem) throw constraint(field, value, problem);
  return value;
}

/** `value` (undefined when absent), when it is one of `allowed`. */
export function checkedEnum<T extends string>(
  field: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw constraint(field, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as T;
}
