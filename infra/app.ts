import { App } from 'aws-cdk-lib';
import { PingjiStack, type Stage } from './pingji-stack';

const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
if (stage !== 'dev' && stage !== 'prod') throw new Error(`stage must be dev or prod, not '${stage}'`);

new PingjiStack(app, `Pingji-${stage}`, {
  stage: stage as Stage,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: `Pingji (平急) one-key emergency mobilisation, ${stage}`,
});
