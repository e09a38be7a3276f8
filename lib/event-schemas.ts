import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { DetailType, EVENT_SOURCE } from '../lambdas/contract/events.js';

/** schemas/ of the package root: beside lib/ in the repository, two levels up from the package's dist/lib/. */
const SCHEMAS_DIR =
  [
    fileURLToPath(new URL('../schemas/', import.meta.url)),
    fileURLToPath(new URL('../../schemas/', import.meta.url)),
  ].find((dir) => existsSync(dir)) ?? fileURLToPath(new URL('../schemas/', import.meta.url));
/** EventBridge's limit on a registry name. */
const MAX_REGISTRY_NAME = 64;

type Json = Record<string, unknown>;

/** One event schema as the registry holds it. */
export interface RegistrySchema {
  /** `job-status-aggregator@JobStatusChanged-v1`: source and detail-type as schema discovery names them, and the major version. */
  readonly schemaName: string;
  readonly detailType: DetailType;
  readonly major: number;
  /** The OpenAPI 3.0 document: the event envelope (`AWSEvent`) with the detail and its definitions. */
  readonly content: Json;
}

export interface EventSchemasProps {
  /** Default: the stack's name followed by `-job-events`, so two deployments in one account do not collide. */
  readonly registryName?: string;
  /** Where the JSON Schemas are (default: the repository's schemas/). */
  readonly schemasDir?: string;
}

/**
 * An EventBridge schema registry with one schema per detail-type and major version, made from the JSON
 * Schemas in schemas/ (the contract), so consumers can browse the events and download code bindings. Each
 * major version is its own schema, published beside the older one; EventBridge numbers the versions of a
 * schema itself each time its content changes (a minor version that adds a field).
 */
export class EventSchemas extends Construct {
  readonly registry: eventschemas.CfnRegistry;
  readonly registryName: string;
  readonly schemas: readonly eventschemas.CfnSchema[];

  constructor(scope: Construct, id: string, props: EventSchemasProps = {}) {
    super(scope, id);
    this.registryName =
      props.registryName ?? `${Stack.of(this).stackName.slice(0, MAX_REGISTRY_NAME - 11)}-job-events`;
    this.registry = new eventschemas.CfnRegistry(this, 'Registry', {
      registryName: this.registryName,
      description: `Events with source "${EVENT_SOURCE}" (docs/events.md)`,
    });
    this.schemas = registrySchemas(props.schemasDir).map(
      (schema) =>
        new eventschemas.CfnSchema(this, pascal(schema.schemaName.split('@')[1] ?? schema.schemaName), {
          registryName: this.registry.attrRegistryName,
          schemaName: schema.schemaName,
          type: 'OpenApi3',
          description: `detail-type "${schema.detailType}", version ${schema.major}`,
          content: JSON.stringify(schema.content),
        }),
    );
  }
}

/**
 * Every schema file as a registry schema. A file is named `<detail-type>.v<major>.schema.json`
 * (`job-status-changed.v1.schema.json`); a file that names no detail-type of the contract is an error.
 */
export function registrySchemas(dir: string = SCHEMAS_DIR): RegistrySchema[] {
  const byFileStem = new Map(Object.values(DetailType).map((type) => [kebab(type), type]));
  return readdirSync(dir)
    .filter((file) => file.endsWith('.schema.json'))
    .sort()
    .map((file) => {
      const match = /^([a-z0-9-]+)\.v([0-9]+)\.schema\.json$/.exec(file);
      const detailType = match?.[1] === undefined ? undefined : byFileStem.get(match[1]);
      if (!match || !detailType) {
        throw new Error(
          `schemas/${file}: name a schema <detail-type>.v<major>.schema.json, one of ${[...byFileStem.keys()].join(', ')}`,
        );
      }
      const major = Number(match[2]);
      const schema = JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as Json;
      return {
        schemaName: `${EVENT_SOURCE}@${pascal(detailType)}-v${major}`,
        detailType,
        major,
        content: openApiDocument(detailType, major, schema),
      };
    });
}

/**
 * The OpenAPI 3.0 document EventBridge's code bindings are made from: the envelope as `AWSEvent` (marked
 * with the source and detail-type, as schema discovery marks it), its `detail` pointing at the detail's
 * schema, and the JSON Schema's `$defs` beside it.
 */
export function openApiDocument(detailType: DetailType, major: number, schema: Json): Json {
  const detailName = pascal(detailType);
  const defs = (schema.$defs ?? {}) as Record<string, Json>;
  const components: Record<string, Json> = { AWSEvent: envelope(detailType, detailName) };
  components[detailName] = toOpenApi(schema);
  for (const [name, def] of Object.entries(defs)) {
    const componentName = pascal(name);
    if (components[componentName])
      throw new Error(`$defs/${name} clashes with the component ${componentName}`);
    components[componentName] = toOpenApi(def);
  }
  return {
    openapi: '3.0.0',
    info: { version: `${major}.0.0`, title: detailName, description: String(schema.description ?? '') },
    paths: {},
    components: { schemas: components },
  };
}

function envelope(detailType: DetailType, detailName: string): Json {
  const text = { type: 'string' };
  return {
    type: 'object',
    required: ['detail-type', 'resources', 'id', 'source', 'time', 'detail', 'region', 'version', 'account'],
    'x-amazon-events-detail-type': detailType,
    'x-amazon-events-source': EVENT_SOURCE,
    properties: {
      detail: { $ref: `#/components/schemas/${detailName}` },
      account: text,
      'detail-type': text,
      id: text,
      region: text,
      resources: { type: 'array', items: text },
      source: text,
      time: { type: 'string', format: 'date-time' },
      version: text,
    },
  };
}

/**
 * JSON Schema keywords OpenAPI 3.0's schema object does not have. They constrain values (the terminal flag
 * against the status, a previous status with its raw value, the statuses counted), not shapes, so code
 * bindings lose nothing: validate with the JSON Schemas in schemas/ for those.
 */
const NOT_IN_OPENAPI = new Set([
  '$schema',
  '$id',
  '$defs',
  '$comment',
  'if',
  'then',
  'else',
  'dependentRequired',
  'propertyNames',
]);

/** One JSON Schema (draft 2020-12) as an OpenAPI 3.0 schema object. */
export function toOpenApi(schema: Json): Json {
  const out: Json = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (NOT_IN_OPENAPI.has(keyword)) continue;
    if (keyword === '$ref') out.$ref = componentRef(String(value));
    else if (keyword === 'const') out.enum = [value];
    else if (keyword === 'properties') out.properties = mapValues(value as Record<string, Json>, toOpenApi);
    else if (['items', 'not'].includes(keyword) || (keyword === 'additionalProperties' && isObject(value)))
      out[keyword] = toOpenApi(value as Json);
    else if (['allOf', 'anyOf', 'oneOf'].includes(keyword)) out[keyword] = (value as Json[]).map(toOpenApi);
    else out[keyword] = value;
  }
  // OpenAPI 3.0 ignores a reference's siblings (a description): leave them out, as schema discovery
  // does; an `allOf` wrapper would keep the text but makes the code generators declare a type per field.
  if (typeof out.$ref === 'string') return { $ref: out.$ref };
  const values = out.enum;
  if (out.type === undefined && Array.isArray(values) && values.every((v) => typeof v === 'string')) {
    out.type = 'string';
  }
  return out;
}

function componentRef(ref: string): string {
  const match = /^#\/\$defs\/([A-Za-z0-9_]+)$/.exec(ref);
  if (!match?.[1]) throw new Error(`${ref}: only references to the schema's own $defs can be converted`);
  return `#/components/schemas/${pascal(match[1])}`;
}

function mapValues<T, U>(object: Record<string, T>, map: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, map(value)]));
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Job Status Changed` or `recordId` → `JobStatusChanged`, `RecordId`. */
function pascal(text: string): string {
  return text
    .split(/[\s-]+/)
    .map((word) => `${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`)
    .join('');
}

/** `Job Status Changed` → `job-status-changed`. */
function kebab(text: string): string {
  return text.toLowerCase().split(/\s+/).join('-');
}
