/** The cdk-nag (AwsSolutions) findings the member stack accepts, each acknowledged on its one resource. */
export const MemberNagReasons = {
  readRoleServiceActions:
    'The hub discovers the scopes (data stores, reference stores, workflows) of this account at run time: the list calls have no resource type, and the action list is exact (the enabled services’ list/describe calls only, no wildcard action).',
  manifestPrefix:
    'HealthImaging writes one output manifest per import job under the configured prefix, with job-specific names; s3:GetObject is limited to objects under exactly that prefix.',
} as const;
