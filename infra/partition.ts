import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The AWS China regions, Beijing (`cn-north-1`, operated by Sinnet) and Ningxia
 * (`cn-northwest-1`, operated by NWCD): the `aws-cn` partition, with accounts of their own.
 */
export const CHINA_REGIONS = ['cn-north-1', 'cn-northwest-1'] as const;

/** Whether a region is one of the AWS China regions. */
export function isChinaRegion(region: string): boolean {
  return region.startsWith('cn-');
}

/**
 * Whether the stack a construct belongs to deploys to an AWS China region. Only a concrete
 * region counts: `infra/app.ts` always names one, and an environment-agnostic stack is built for
 * the commercial partition, as before.
 */
export function inChina(scope: IConstruct): boolean {
  const { region } = Stack.of(scope);
  return !Token.isUnresolved(region) && isChinaRegion(region);
}

/**
 * The host of the AWS management console for a region: `https://<region>.console.aws.amazon.com`
 * in the commercial partition, `https://<region>.console.amazonaws.cn` in China.
 */
export function managementConsole(region: string): string {
  return isChinaRegion(region)
    ? `https://${region}.console.amazonaws.cn`
    : `https://${region}.console.aws.amazon.com`;
}

/**
 * Every CloudFormation resource type the stack may create in the AWS China regions: each one is
 * registered with CloudFormation in both cn-north-1 and cn-northwest-1 (checked against the
 * regions' resource schemas, June 2026). Absent on purpose, because the China regions do not
 * offer them: Cognito user pools, End User Messaging SMS and voice (`AWS::SMSVOICE::*`,
 * `AWS::Pinpoint::*`), CloudFront origin access control and CloudFront Functions. The infra tests
 * fail on any other type in a China template, so a new resource type is checked before it is used.
 */
export const CHINA_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Authorizer',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Stage',
  'AWS::CDK::Metadata',
  'AWS::CloudFront::CachePolicy',
  'AWS::CloudFront::CloudFrontOriginAccessIdentity',
  'AWS::CloudFront::Distribution',
  'AWS::CloudFront::ResponseHeadersPolicy',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::DynamoDB::GlobalTable',
  'AWS::DynamoDB::Table',
  'AWS::Events::Rule',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::KMS::Key',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::Function',
  'AWS::Lambda::LayerVersion',
  'AWS::Lambda::Permission',
  'AWS::Logs::LogGroup',
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::Scheduler::Schedule',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::SecretsManager::Secret',
  'AWS::SNS::Subscription',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  // CDK's BucketDeployment: a custom resource, served by a Lambda function of the stack.
  'Custom::CDKBucketDeployment',
]);
