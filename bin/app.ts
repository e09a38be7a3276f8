import { App, Validations } from 'aws-cdk-lib';
import { JobStatusAggregatorStack } from 'aws-job-status-aggregator';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addMemberStacks } from '../lib/member/member-app.js';
import { SettingsError, settingsFromContext, stackNameFromContext } from '../lib/settings.js';

// Settings come from CDK context: `npx cdk deploy -c services=healthlake,healthomics -c alarmEmail=ops@example.com`.
// docs/deploy.md lists every key. The stack is environment-agnostic, so synth needs no AWS account.
const app = new App();
// cdk-nag's AwsSolutions rules run on every synth; an unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

try {
  new JobStatusAggregatorStack(app, stackNameFromContext(app.node), {
    settings: settingsFromContext(app.node),
  });
  // The member template beside the hub's, and its StackSet when member OUs are set (docs/deploy.md).
  addMemberStacks(app);
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  // The message names each bad key and what it accepts; a stack trace would only hide it.
  console.error(error.message);
  process.exit(1);
}
