/**
 * The SNS Notifier: each alert published to a topic (e-mail, SMS, chat and paging subscribe to
 * it), on a path that does not involve Kafka. Alerts about one episode share a message group key
 * in their attributes, so subscribers can fold them into one incident.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../../core/alert.ts';
import type { Notifier } from '../../ports.ts';

/** SNS subjects: ASCII, no line breaks, under 100 characters. */
const SUBJECT_LIMIT = 99;

export class SnsNotifier implements Notifier {
  readonly name = 'SNS';

  constructor(
    private readonly client: Pick<SNSClient, 'send'>,
    private readonly topicArn: string,
  ) {}

  async notify(alert: Alert): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: subject(alert.title),
        Message: `${alert.title}\n\n${alert.text}${(alert.links ?? []).map((l) => `\n${l.text}: ${l.href}`).join('')}`,
        MessageAttributes: {
          key: { DataType: 'String', StringValue: alert.key },
          kind: { DataType: 'String', StringValue: alert.kind },
          severity: { DataType: 'String', StringValue: alert.severity },
        },
      }),
    );
  }
}

/** The title as an SNS subject: arrows spelled out, other non-ASCII dropped, cut to the limit. */
export function subject(title: string): string {
  const ascii = title.replaceAll('→', '->').replace(/[^\x20-\x7e]/g, '');
  return ascii.length > SUBJECT_LIMIT ? `${ascii.slice(0, SUBJECT_LIMIT - 3)}...` : ascii;
}
