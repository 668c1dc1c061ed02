import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { allRoutes } from '../shared/http/routes';
import { Api } from './constructs/api';
import { Data } from './constructs/data';
import { Identity } from './constructs/identity';

export type Stage = 'dev' | 'prod';

export type PingjiStackProps = StackProps & { stage: Stage };

/** The whole service in one stack: data, identity and the API. */
export class PingjiStack extends Stack {
  readonly data: Data;
  readonly identity: Identity;
  readonly api: Api;

  constructor(scope: Construct, id: string, props: PingjiStackProps) {
    super(scope, id, props);
    const retain = props.stage === 'prod';
    Tags.of(this).add('service', 'pingji');
    Tags.of(this).add('stage', props.stage);

    this.data = new Data(this, 'Data', { retain });
    this.identity = new Identity(this, 'Identity', { retain });
    const environment = { TABLE_NAME: this.data.table.tableName, PINGJI_STAGE: props.stage };
    this.api = new Api(this, 'Api', {
      routes: allRoutes,
      table: this.data.table,
      identity: this.identity,
      environment,
    });

    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.identity.client.userPoolClientId });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
  }
}
