import { App, Validations } from 'aws-cdk-lib';
import {
  type JobStatusAggregatorProps,
  JobStatusAggregatorStack,
  SettingsError,
} from 'aws-job-status-aggregator';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addMemberStacks } from '../lib/member/member-app.js';
import { stackNameFromContext } from '../lib/settings.js';
import { aggregatorPropsFromContext } from './context.js';

// Settings come from CDK context, one key per construct prop:
// `npx cdk deploy -c services=healthlake,healthomics -c alarmEmails=ops@example.com`. docs/deploy.md lists
// every key. The stack is environment-agnostic, so synth needs no AWS account.
const app = new App();
// cdk-nag's AwsSolutions rules run on every synth; an unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

/** The package's stack (its public entry, as any app that embeds it uses), its props from context. */
class ContextConfiguredStack extends JobStatusAggregatorStack {
  protected override aggregatorProps(): JobStatusAggregatorProps {
    return aggregatorPropsFromContext(this);
  }
}

try {
  new ContextConfiguredStack(app, stackNameFromContext(app.node));
  // The member template beside the hub's, and its StackSet when member OUs are set (docs/deploy.md).
  addMemberStacks(app);
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  // The message names each bad key and what it accepts; a stack trace would only hide it.
  console.error(error.message);
  process.exit(1);
}
