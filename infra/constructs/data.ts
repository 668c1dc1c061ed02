import { CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLE } from '../../shared/table';
import type { AppFunction } from './app-function';

export type DataProps = {
  /** Production keeps the table and key when the stack is deleted. */ retain: boolean;
};

/** What a function may do to the table. */
export type TableAccess = 'none' | 'read' | 'write';

/** The one table, built from the shared definition, encrypted with our own key. */
export class Data extends Construct {
  readonly table: TableV2;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.key = new Key(this, 'TableKey', {
      description: 'Pingji roster and activation data',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      globalSecondaryIndexes: TABLE.indexes.map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
      })),
      billing: Billing.onDemand(),
      timeToLiveAttribute: TABLE.ttlAttribute,
      dynamoStream: StreamViewType[TABLE.streamView],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.customerManagedKey(this.key),
      deletionProtection: props.retain,
      removalPolicy,
    });
  }

  /**
   * Lets a function read, or read and write, the table and its indexes, with the table key; and
   * records on that function's policy why the wildcards these grants carry are accepted.
   */
  grant(fn: AppFunction, access: TableAccess): void {
    if (access === 'none') return;
    if (access === 'read') this.table.grantReadData(fn);
    else this.table.grantReadWriteData(fn);
    const cfnTable = this.table.node.defaultChild;
    if (!(cfnTable instanceof CfnElement)) throw new Error('the table has no CloudFormation resource');
    const tableId = Stack.of(this).getLogicalId(cfnTable);
    fn.acknowledgeOnPolicy({
      id: `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
      reason: 'Queries on the indexes of this one table (gsi1, gsi2): the wildcard names only its indexes.',
    });
    if (access === 'write') {
      for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
        fn.acknowledgeOnPolicy({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason:
            'Writing to a table encrypted with a customer-managed key; the statement is scoped to that one key.',
        });
      }
    }
  }
}
