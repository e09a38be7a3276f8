import { readdirSync, readFileSync } from 'node:fs';

/** The repository's JSON Schemas, by file name. */
export function eventSchemas(): { readonly file: string; readonly schema: unknown }[] {
  const dir = new URL('../../schemas/', import.meta.url);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.schema.json'))
    .map((file) => ({ file, schema: JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as unknown }));
}

/** Every list of service ids a schema holds: the `service` enum and the `jobKey` pattern's alternation. */
export function serviceListsOf(schema: unknown): { readonly at: string; readonly ids: readonly string[] }[] {
  const found: { at: string; ids: string[] }[] = [];
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) walk(item, `${at}/${index}`);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      const ids = key === 'service' ? enumOf(value) : key === 'jobKey' ? patternServices(value) : undefined;
      if (ids) found.push({ at: `${at}/${key}`, ids });
      walk(value, `${at}/${key}`);
    }
  };
  walk(schema, '');
  return found;
}

/** What a schema says wrong about the services: each list that lacks a registered id or has another. */
export function serviceListMismatches(schema: unknown, registered: readonly string[]): string[] {
  return serviceListsOf(schema).flatMap(({ at, ids }) => [
    ...registered.filter((id) => !ids.includes(id)).map((id) => `${at} lacks "${id}"`),
    ...ids.filter((id) => !registered.includes(id)).map((id) => `${at} has unregistered "${id}"`),
  ]);
}

function enumOf(value: unknown): string[] | undefined {
  const list = (value as { enum?: unknown } | null)?.enum;
  return Array.isArray(list) ? list.map(String) : undefined;
}

function patternServices(value: unknown): string[] | undefined {
  const pattern = (value as { pattern?: unknown } | null)?.pattern;
  const services = typeof pattern === 'string' ? /^\^\(([a-z0-9|-]+)\)\//.exec(pattern)?.[1] : undefined;
  return services?.split('|');
}
