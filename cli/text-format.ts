/**
 * `--output text` as the AWS CLI writes it (awscli/text.py): tab-separated scalars, one line per object,
 * the scalar fields of a list of objects in sorted key order, nested values on lines of their own that
 * start with the field's name in upper case. Absent and null values print as `None`, as there.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export function formatText(data: unknown): string {
  const lines: string[] = [];
  formatValue(toJson(data), lines);
  return lines.map((line) => `${line}\n`).join('');
}

function formatValue(item: Json, lines: string[], identifier?: string, scalarKeys?: string[]): void {
  if (Array.isArray(item)) formatList(item, lines, identifier);
  else if (isObject(item)) formatObject(item, lines, identifier, scalarKeys);
  else lines.push(scalarText(item));
}

function formatList(items: Json[], lines: string[], identifier: string | undefined): void {
  if (items.length === 0) return;
  if (items.some(isObject)) {
    const keys = allScalarKeys(items.filter(isObject));
    for (const element of items) formatValue(element, lines, identifier, keys);
  } else if (items.some(Array.isArray)) {
    const scalars = items.filter((element) => !isNested(element));
    if (scalars.length > 0) formatScalarList(scalars, lines, identifier);
    for (const element of items.filter(isNested)) formatValue(element, lines, identifier);
  } else {
    formatScalarList(items, lines, identifier);
  }
}

function formatScalarList(items: Json[], lines: string[], identifier: string | undefined): void {
  if (identifier === undefined) lines.push(items.map(scalarText).join('\t'));
  else for (const item of items) lines.push(`${identifier.toUpperCase()}\t${scalarText(item)}`);
}

function formatObject(
  item: JsonObject,
  lines: string[],
  identifier: string | undefined,
  scalarKeys: string[] | undefined,
): void {
  const keys = Object.keys(item).sort();
  const scalarNames = scalarKeys ?? keys.filter((key) => !isNested(item[key] ?? null));
  const scalars = scalarNames.map((key) => scalarText(key in item ? (item[key] ?? null) : ''));
  if (scalars.length > 0)
    lines.push([...(identifier ? [identifier.toUpperCase()] : []), ...scalars].join('\t'));
  for (const key of keys.filter((name) => !scalarNames.includes(name))) {
    formatValue(item[key] ?? null, lines, key);
  }
}

function allScalarKeys(objects: JsonObject[]): string[] {
  const keys = new Set<string>();
  for (const object of objects) {
    for (const [key, value] of Object.entries(object)) if (!isNested(value)) keys.add(key);
  }
  return [...keys].sort();
}

function scalarText(value: Json): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

function isNested(value: Json): boolean {
  return typeof value === 'object' && value !== null;
}

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Plain JSON data: what JSON.stringify would keep (dates as ISO strings, undefined fields dropped). */
function toJson(data: unknown): Json {
  return data === undefined ? null : (JSON.parse(JSON.stringify(data)) as Json);
}
