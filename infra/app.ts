import { App } from 'aws-cdk-lib';
import { PingjiStack } from './pingji-stack';
import { resolveSettings } from './settings';

const app = new App();
// Context (-c stage=prod, -c region=..., -c alarmEmail=...), then the region the CDK CLI found in
// the environment or the AWS profile, then a default, so `npx cdk synth` works offline without
// credentials. Settings that cannot work together (the AWS China regions without a mainland SMS
// provider or an OpenID Connect issuer, say) are refused with the reason.
const settings = resolveSettings((key) => app.node.tryGetContext(key), process.env);

new PingjiStack(app, `Pingji-${settings.stage}`, {
  stage: settings.stage,
  env: { account: settings.account, region: settings.region },
  description: `Pingji (平急) one-key emergency mobilisation, ${settings.stage}`,
  alarmEmail: settings.alarmEmail,
  consoleUrl: settings.consoleUrl,
  sms: settings.sms,
  smsProvider: settings.smsProvider,
  identity: settings.identity,
  consoleDomain: settings.consoleDomain,
});
