/**
 * The SNS Notifier: each alert published to a topic (e-mail, SMS, chat and paging subscribe to
 * it), on a path that does not involve Kafka. Alerts about one episode share a message group key
 * in their attributes, so subscribers can fold them into one incident.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../../core/alert.ts';
import { DeadlineExceededError, saysUnavailable, UnavailableError } from '../../core/errors.ts';
import { cut } from '../../core/format.ts';
import type { Notifier } from '../../ports.ts';

/** SNS subjects: ASCII, no line breaks, under 100 characters. */
const SUBJECT_LIMIT = 99;

export interface SnsOptions {
  /** When the publish must be over (epoch ms): it is abandoned then, and left for the next run. */
  readonly deadline?: () => number;
  readonly now?: () => number;
}

export class SnsNotifier implements Notifier {
  readonly name = 'SNS';

  constructor(
    private readonly client: Pick<SNSClient, 'send'>,
    private readonly topicArn: string,
    private readonly options: SnsOptions = {},
  ) {}

  async notify(alert: Alert): Promise<void> {
    const left = (this.options.deadline?.() ?? Infinity) - (this.options.now ?? Date.now)();
    if (left <= 0) throw new DeadlineExceededError('SNS Publish: out of time');
    const command = new PublishCommand({
      TopicArn: this.topicArn,
      Subject: subject(alert.title),
      Message: message(alert),
      MessageAttributes: {
        key: { DataType: 'String', StringValue: alert.key },
        ...(alert.id ? { id: { DataType: 'String', StringValue: alert.id } } : {}),
        kind: { DataType: 'String', StringValue: alert.kind },
        severity: { DataType: 'String', StringValue: alert.severity },
      },
    });
    const signal = Number.isFinite(left) ? AbortSignal.timeout(left) : undefined;
    try {
      await (signal ? Promise.race([this.client.send(command, { abortSignal: signal }), aborted(signal)]) : this.client.send(command));
    } catch (error) {
      if (signal?.aborted) throw new DeadlineExceededError(`SNS Publish: no answer within the run's deadline (${Math.round(left)} ms)`);
      throw unavailable(error) ?? error;
    }
  }
}

/**
 * An SDK error SNS may not give again, the SDK's own retries spent, as UnavailableError: the alert
 * is kept for the next run. That is a throttle (SNS's `Throttled`, KMS's), a fault on its side
 * (5xx, 429), or no answer at all (a timeout, a reset connection: no HTTP status). A refusal (any
 * other 4xx: access denied, a topic not found) is not.
 */
function unavailable(error: unknown): UnavailableError | undefined {
  const { $retryable, $fault, $metadata, name, message } = (error ?? {}) as {
    $retryable?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: number };
    name?: unknown;
    message?: unknown;
  };
  const status = $metadata?.httpStatusCode;
  const transient = $retryable !== undefined || $fault === 'server' || status === undefined || saysUnavailable(status, String(name));
  return transient ? new UnavailableError(`SNS Publish: ${String(name)}: ${String(message)}`, { cause: error }) : undefined;
}

/** Rejects when the signal aborts (a client that ignores the signal is not waited for either). */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

/** SNS takes a message of 256 KB: the text is cut well within it (4 bytes a character at most). */
const MESSAGE_CHARACTERS = 60_000;

function message(alert: Alert): string {
  return `${alert.title}\n\n${cut(alert.text, MESSAGE_CHARACTERS)}${(alert.links ?? []).map((l) => `\n${l.text}: ${l.href}`).join('')}`;
}

/** The title as an SNS subject: arrows spelled out, other non-ASCII dropped, cut to the limit. */
export function subject(title: string): string {
  const ascii = title.replaceAll('→', '->').replace(/[^\x20-\x7e]/g, '');
  return ascii.length > SUBJECT_LIMIT ? `${ascii.slice(0, SUBJECT_LIMIT - 3)}...` : ascii;
}
