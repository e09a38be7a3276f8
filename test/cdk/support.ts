import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type Environment, type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { JobStatusAggregatorProps } from '../../lib/job-status-aggregator.js';
import { JobStatusAggregatorStack } from '../../lib/job-status-aggregator-stack.js';

/** Shared helpers of the CDK tests: one synth per configuration, template queries, cdk-nag and cfn-lint. */

export type Json = Record<string, unknown>;

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Json;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: string[];
}

export interface Synthesized {
  readonly stack: JobStatusAggregatorStack;
  readonly template: Template;
  readonly resources: Record<string, CfnResource>;
  readonly outdir: string;
}

export const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(fileURLToPath(new URL('../../cdk.json', import.meta.url)), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/**
 * The aggregator's props, or a function that builds them inside the stack (for references it imports:
 * a bus, a topic, a bucket), as an app's `aggregatorProps` override does.
 */
export type PropsOf = JobStatusAggregatorProps | ((stack: Stack) => JobStatusAggregatorProps);

/** Synthesizes the project's stack once (a template and its assets take seconds, so share the result). */
export function synthesize(
  id: string,
  settings: PropsOf,
  options: { env?: Environment; customize?: (stack: JobStatusAggregatorStack) => void } = {},
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'job-status-aggregator-cdk-'));
  // The feature flags of cdk.json, so the template under test is the one `cdk deploy` synthesizes.
  const app = new App({ outdir, context: CDK_JSON_CONTEXT });
  const stack = stackWith(app, id, settings, options.env);
  options.customize?.(stack);
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, CfnResource>;
  return { stack, template, resources, outdir };
}

/** The project's stack with these props (built inside it when `settings` is a function). */
export function stackWith(
  app: App,
  id: string,
  settings: PropsOf,
  env?: Environment,
): JobStatusAggregatorStack {
  if (typeof settings !== 'function')
    return new JobStatusAggregatorStack(app, id, { settings, ...(env && { env }) });
  const build = settings;
  class Configured extends JobStatusAggregatorStack {
    protected override aggregatorProps(): JobStatusAggregatorProps {
      return build(this);
    }
  }
  return new Configured(app, id, env ? { env } : {});
}

export function ofType(resources: Record<string, CfnResource>, type: string): [string, CfnResource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

export function props(resource: CfnResource | undefined): Json {
  if (!resource?.Properties) throw new Error('resource without properties');
  return resource.Properties;
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt: [id, attr] }` points to. */
export function refId(value: unknown): string {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = v.Ref ?? v['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`not a Ref or GetAtt: ${JSON.stringify(value)}`);
  return id;
}

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every statement of every policy attached to a role: its inline policies and AWS::IAM::Policy resources. */
export function roleStatements(resources: Record<string, CfnResource>, roleId: string): Statement[] {
  const role = props(resources[roleId]);
  const inline = (
    (role.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []
  ).flatMap((policy) => policy.PolicyDocument.Statement);
  const attached = ofType(resources, 'AWS::IAM::Policy')
    .filter(([, policy]) => (props(policy).Roles as unknown[]).some((role) => refId(role) === roleId))
    .flatMap(([, policy]) => (props(policy).PolicyDocument as { Statement: Statement[] }).Statement);
  return [...inline, ...attached];
}

export function actionsOf(statements: readonly Statement[]): string[] {
  return [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();
}

/** The Lambda functions, keyed by their POWERTOOLS_SERVICE_NAME (`job-poller-<service>`, `job-status-publisher`). */
export function functionsByName(resources: Record<string, CfnResource>): Map<string, [string, Json]> {
  const result = new Map<string, [string, Json]>();
  for (const [id, fn] of ofType(resources, 'AWS::Lambda::Function')) {
    const p = props(fn);
    const env = (p.Environment as { Variables: Record<string, unknown> }).Variables;
    result.set(String(env.POWERTOOLS_SERVICE_NAME), [id, p]);
  }
  return result;
}

export function environmentOf(fn: Json): Record<string, unknown> {
  return (fn.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** The bundle file of a function in the cloud assembly. */
export function bundleFileOf(synth: Synthesized, fn: Json): string {
  const key = String((fn.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
  return join(synth.outdir, `asset.${key}`, 'index.mjs');
}

/** The bundled code of a function. */
export function bundleOf(synth: Synthesized, fn: Json): string {
  return readFileSync(bundleFileOf(synth, fn), 'utf8');
}

export interface NagFinding {
  readonly rule: string;
  readonly path: string;
}

/** cdk-nag's AwsSolutions findings on a stack; with `ignoreAcknowledgements`, the ones acknowledged too. */
export function nagFindings(stack: Stack, ignoreAcknowledgements = false): NagFinding[] {
  const pack = new AwsSolutionsChecks();
  if (ignoreAcknowledgements) Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
  return pack.validateScope(stack).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      path: String((resource as { constructPath?: string }).constructPath ?? resource.resourceLogicalId),
    })),
  );
}

/** Every acknowledgement in the stack: the rule id, the L1 resource it sits on, and the written reason. */
export function acknowledgements(stack: Stack): (NagFinding & { reason: string })[] {
  const found: (NagFinding & { reason: string })[] = [];
  for (const construct of stack.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({
          rule: id.replace(/^annotation::/i, ''),
          path: `${construct.node.path}/Resource`,
          reason,
        });
      }
    }
  }
  return found;
}

export interface LintResult {
  readonly status: number;
  readonly output: string;
}

/**
 * cfn-lint (AWS's CloudFormation linter, from the machine image) on synthesized templates. Exit status is a
 * bit mask: 2 errors, 4 warnings, 8 informational. W3005 (a DependsOn that a GetAtt already implies) is
 * how CDK makes a function wait for its role's policy: noise, ignored by name.
 */
export function cfnLint(templates: Record<string, unknown>[]): LintResult {
  const dir = mkdtempSync(join(tmpdir(), 'job-status-aggregator-lint-'));
  const files = templates.map((template, index) => {
    const file = join(dir, `template-${index}.json`);
    writeFileSync(file, JSON.stringify(template, null, 1));
    return file;
  });
  const result = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', ...files], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  if (result.error) throw new Error(`cfn-lint did not run (pip install cfn-lint): ${result.error.message}`);
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}
