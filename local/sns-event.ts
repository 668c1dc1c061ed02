import { randomUUID } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';
import { SERVICE_NUMBER } from '../shared/adapters/simulated-phone-network';

const TOPIC_ARN = 'arn:aws-cn:sns:cn-north-1:000000000000:pingji-inbound-sms';

/**
 * A volunteer's reply as AWS delivers it: End User Messaging's two-way SMS payload, as the
 * message text of an SNS notification, in the SNS event Lambda receives.
 */
export function inboundSmsEvent(reply: {
  from: string;
  body: string;
  inboundMessageId: string;
  at?: Date;
}): SNSEvent {
  const payload = {
    originationNumber: reply.from,
    destinationNumber: SERVICE_NUMBER,
    messageKeyword: 'KEYWORD_000000000000',
    messageBody: reply.body,
    inboundMessageId: reply.inboundMessageId,
    previousPublishedMessageId: randomUUID(),
  };
  const messageId = randomUUID();
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${TOPIC_ARN}:${randomUUID()}`,
        Sns: {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: TOPIC_ARN,
          Subject: '',
          Message: JSON.stringify(payload),
          Timestamp: (reply.at ?? new Date()).toISOString(),
          SignatureVersion: '1',
          Signature: 'local',
          SigningCertUrl: 'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-local.pem',
          UnsubscribeUrl: `https://sns.cn-north-1.amazonaws.com.cn/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}
