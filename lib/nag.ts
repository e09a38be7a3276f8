import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Every cdk-nag (AwsSolutions) finding this project accepts, with the reason. Each is acknowledged on the
 * one resource it is about, and for IAM5 on the one resource ARN (`[Resource::...]`), never stack-wide: a
 * new wildcard anywhere else still fails synth.
 */
export const NagReasons = {
  pollerServiceActions:
    'The poller discovers its scopes (data stores, reference stores, workflows) at run time and watches all of them in this account and region: the list calls have no resource type, and the action list is exact (list/describe only, no wildcard action).',
  streamList:
    'Lambda’s event source mapping calls dynamodb:ListStreams to find the table’s current stream; the grant is limited to the streams of this one table (the stream label is chosen by DynamoDB).',
  manifestPrefix:
    'HealthImaging writes one output manifest per import job under the configured prefix, with job-specific names; s3:GetObject is limited to objects under exactly that prefix.',
  organizationMemberRoles:
    'With an Organization the poller may assume the member read role (one fixed name) in any account of that Organization (aws:ResourceOrgID), so an account joins without an IAM change; the role trusts only this hub’s poller roles, and the accounts polled are the listed targets.',
  deadLetterQueueHasNoDlq:
    'This queue is itself the dead-letter queue (the stream event source’s on-failure destination and the publisher’s undeliverable events); a DLQ behind a DLQ only moves the problem. Its depth is alarmed.',
} as const;

/** Acknowledges one finding on one construct (its ancestors are not touched). */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** The id of an IAM5 finding about one resource, as cdk-nag reports it (`Resource::<arn>`). */
export function iam5Resource(resource: string): string {
  return `AwsSolutions-IAM5[Resource::${resource}]`;
}

/**
 * A resource string as cdk-nag writes it in a finding's id: the resolved value flattened, `<Id>` for a Ref,
 * `<Id.Attr>` for a GetAtt (cdk-nag's flattenCfnReference), so a token ARN can be acknowledged exactly.
 */
export function nagResource(scope: IConstruct, value: string): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
    const intrinsic = node as Record<string, unknown>;
    if (intrinsic['Fn::Join']) {
      const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
      return items.map(visit).join(delimiter);
    }
    if (intrinsic['Fn::Sub']) return visit(intrinsic['Fn::Sub']);
    if (intrinsic['Fn::GetAtt']) {
      const [resource, attribute] = intrinsic['Fn::GetAtt'] as [unknown, unknown];
      return `<${visit(resource)}.${visit(attribute)}>`;
    }
    if (intrinsic['Fn::ImportValue']) return visit(intrinsic['Fn::ImportValue']);
    if (intrinsic.Ref) return `<${visit(intrinsic.Ref)}>`;
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}
