/**
 * EventBridge event patterns, the part of the language subscribers of this project use (docs/events.md):
 *
 *   exact values      "status": ["FAILED", "SUCCEEDED_WITH_ERRORS"]   strings, numbers, booleans, null
 *   prefix / suffix   {"prefix": "1."}, {"suffix": ".json"}, {"prefix": {"equals-ignore-case": "ab"}}
 *   equals-ignore-case {"equals-ignore-case": "failed"}
 *   anything-but      {"anything-but": "x"}, {"anything-but": ["x", "y"]}, {"anything-but": {"prefix": "x"}}
 *   exists            {"exists": true}, {"exists": false}
 *   numeric           {"numeric": [">", 0, "<=", 5]}, {"numeric": ["=", 3]}
 *   wildcard          {"wildcard": "healthlake/*"}
 *   $or               {"$or": [{...}, {...}]}
 *
 * Semantics as EventBridge documents them: every field of the pattern must match (AND); a field matches
 * when its value, or any element of an array value, matches any of the field's conditions (OR); a field the
 * event lacks matches only `{"exists": false}`; `exists` looks at leaf values only. A pattern outside this
 * subset is rejected with `PatternError`, never silently matched.
 */

export class PatternError extends Error {
  constructor(message: string) {
    super(`Invalid event pattern: ${message}`);
    this.name = 'PatternError';
  }
}

export type EventPattern = Readonly<Record<string, unknown>>;

/** Parses and checks a pattern (a JSON string or an object); throws `PatternError` when it is not valid. */
export function parsePattern(pattern: string | EventPattern): EventPattern {
  let value: unknown = pattern;
  if (typeof pattern === 'string') {
    try {
      value = JSON.parse(pattern);
    } catch {
      throw new PatternError('not JSON');
    }
  }
  if (!isObject(value)) throw new PatternError('the pattern must be a JSON object');
  checkObject(value, '');
  return value;
}

/** True when `event` (the delivered envelope: source, detail-type, detail, ...) matches `pattern`. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

function matchObject(pattern: EventPattern, value: unknown): boolean {
  for (const [field, condition] of Object.entries(pattern)) {
    if (field === '$or') {
      const branches = condition as readonly EventPattern[];
      if (!branches.some((branch) => matchObject(branch, value))) return false;
      continue;
    }
    const present = isObject(value) && Object.hasOwn(value, field);
    const fieldValue = present ? (value as Record<string, unknown>)[field] : undefined;
    if (Array.isArray(condition)) {
      if (!matchLeaf(condition, present, fieldValue)) return false;
    } else if (!present || !matchObject(condition as EventPattern, fieldValue)) {
      // A nested pattern needs the nested object; an absent one matches only an explicit exists:false below it.
      if (present || !allowsAbsent(condition as EventPattern)) return false;
    }
  }
  return true;
}

/** Whether a nested pattern is satisfied by the whole object being absent (only `exists: false` leaves). */
function allowsAbsent(pattern: EventPattern): boolean {
  return Object.entries(pattern).every(([field, condition]) =>
    field === '$or'
      ? (condition as EventPattern[]).some(allowsAbsent)
      : Array.isArray(condition)
        ? condition.some((item) => isObject(item) && item.exists === false)
        : allowsAbsent(condition as EventPattern),
  );
}

function matchLeaf(conditions: readonly unknown[], present: boolean, value: unknown): boolean {
  if (!present) return conditions.some((condition) => isObject(condition) && condition.exists === false);
  const values = Array.isArray(value) ? value : [value];
  return conditions.some((condition) => {
    if (isObject(condition) && 'exists' in condition) {
      // exists looks at leaves: a present scalar (or an array with an element) exists; an object does not.
      const leaf = !isObject(value) && (!Array.isArray(value) || value.length > 0);
      return condition.exists === leaf;
    }
    return values.some((item) => matchCondition(condition, item));
  });
}

function matchCondition(condition: unknown, value: unknown): boolean {
  if (!isObject(condition)) return equalsExactly(condition, value);
  const [operator, operand] = Object.entries(condition)[0] ?? [];
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && matchAffix(operand, value, 'prefix');
    case 'suffix':
      return typeof value === 'string' && matchAffix(operand, value, 'suffix');
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === String(operand).toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && wildcardRegExp(String(operand)).test(value);
    case 'numeric':
      return typeof value === 'number' && matchNumeric(operand as readonly unknown[], value);
    case 'anything-but':
      return matchAnythingBut(operand, value);
    default:
      return false;
  }
}

/** Strings, numbers, booleans and null match only the same value of the same type. */
function equalsExactly(condition: unknown, value: unknown): boolean {
  return condition === value;
}

function matchAffix(operand: unknown, value: string, kind: 'prefix' | 'suffix'): boolean {
  if (isObject(operand)) {
    const text = String(operand['equals-ignore-case']).toLowerCase();
    const lower = value.toLowerCase();
    return kind === 'prefix' ? lower.startsWith(text) : lower.endsWith(text);
  }
  const text = String(operand);
  return kind === 'prefix' ? value.startsWith(text) : value.endsWith(text);
}

function matchAnythingBut(operand: unknown, value: unknown): boolean {
  if (isObject(operand)) {
    if (typeof value !== 'string') return true;
    if ('prefix' in operand) return !value.startsWith(String(operand.prefix));
    if ('suffix' in operand) return !value.endsWith(String(operand.suffix));
    if ('equals-ignore-case' in operand) {
      const list = Array.isArray(operand['equals-ignore-case'])
        ? operand['equals-ignore-case']
        : [operand['equals-ignore-case']];
      return !list.some((item) => String(item).toLowerCase() === value.toLowerCase());
    }
    return false;
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  return !excluded.some((item) => equalsExactly(item, value));
}

const NUMERIC_OPERATORS = new Set(['<', '<=', '=', '>', '>=']);

function matchNumeric(terms: readonly unknown[], value: number): boolean {
  for (let index = 0; index < terms.length; index += 2) {
    const operator = terms[index] as string;
    const bound = terms[index + 1] as number;
    const ok =
      operator === '<'
        ? value < bound
        : operator === '<='
          ? value <= bound
          : operator === '='
            ? value === bound
            : operator === '>'
              ? value > bound
              : value >= bound;
    if (!ok) return false;
  }
  return true;
}

function wildcardRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 's');
}

// --- validation ---------------------------------------------------------------------------------------------

function checkObject(pattern: Record<string, unknown>, path: string): void {
  const entries = Object.entries(pattern);
  if (entries.length === 0) throw new PatternError(`${path || 'the pattern'} is empty`);
  for (const [field, condition] of entries) {
    const at = path ? `${path}.${field}` : field;
    if (field === '$or') {
      if (!Array.isArray(condition) || condition.length < 2 || !condition.every(isObject)) {
        throw new PatternError(`${at} must be an array of at least two patterns`);
      }
      for (const branch of condition) checkObject(branch, at);
    } else if (Array.isArray(condition)) {
      if (condition.length === 0) throw new PatternError(`${at} has no values to match`);
      for (const item of condition) checkCondition(item, at);
    } else if (isObject(condition)) {
      checkObject(condition, at);
    } else {
      throw new PatternError(`${at} must be an array of values or a nested object`);
    }
  }
}

function checkCondition(condition: unknown, at: string): void {
  if (condition === null || ['string', 'number', 'boolean'].includes(typeof condition)) return;
  if (!isObject(condition)) throw new PatternError(`${at}: unsupported value ${JSON.stringify(condition)}`);
  const keys = Object.keys(condition);
  const operator = keys[0];
  if (keys.length !== 1 || operator === undefined) {
    throw new PatternError(`${at}: a condition object has exactly one operator`);
  }
  const operand = condition[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      if (typeof operand === 'string') return;
      if (isObject(operand) && typeof operand['equals-ignore-case'] === 'string') return;
      throw new PatternError(`${at}: ${operator} takes a string`);
    case 'equals-ignore-case':
    case 'wildcard':
      if (typeof operand === 'string') return;
      throw new PatternError(`${at}: ${operator} takes a string`);
    case 'exists':
      if (typeof operand === 'boolean') return;
      throw new PatternError(`${at}: exists takes true or false`);
    case 'numeric':
      checkNumeric(operand, at);
      return;
    case 'anything-but':
      checkAnythingBut(operand, at);
      return;
    default:
      throw new PatternError(`${at}: unsupported operator "${operator}"`);
  }
}

function checkNumeric(operand: unknown, at: string): void {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4) {
    throw new PatternError(`${at}: numeric takes one or two [operator, number] pairs`);
  }
  for (let index = 0; index < operand.length; index += 2) {
    if (!NUMERIC_OPERATORS.has(operand[index]) || typeof operand[index + 1] !== 'number') {
      throw new PatternError(
        `${at}: numeric takes operators ${[...NUMERIC_OPERATORS].join(' ')} and numbers`,
      );
    }
  }
}

function checkAnythingBut(operand: unknown, at: string): void {
  const scalar = (item: unknown) => typeof item === 'string' || typeof item === 'number';
  if (scalar(operand)) return;
  if (Array.isArray(operand) && operand.length > 0 && operand.every(scalar)) return;
  if (isObject(operand) && Object.keys(operand).length === 1) {
    if (typeof operand.prefix === 'string' || typeof operand.suffix === 'string') return;
    const ignoreCase = operand['equals-ignore-case'];
    if (typeof ignoreCase === 'string') return;
    if (Array.isArray(ignoreCase) && ignoreCase.every((item) => typeof item === 'string')) return;
  }
  throw new PatternError(`${at}: anything-but takes a value, a list of values, or a prefix/suffix`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
