/**
 * The Slack Notifier, over an incoming webhook, in Block Kit: a header with what was done, the
 * alert's lines as a section, and its kind and time as context; `text` is the fallback for
 * notifications.
 */
import type { Alert } from '../../core/alert.ts';
import { cut } from '../../core/format.ts';
import type { Notifier } from '../../ports.ts';
import { type RetryOptions, redactUrl, retryingFetch } from '../http/retrying-fetch.ts';

/** Block Kit limits: a header's text, a section's text; a message's `text`. */
const HEADER_LIMIT = 150;
const SECTION_LIMIT = 3000;
const TEXT_LIMIT = 40_000;

export interface SlackOptions extends RetryOptions {
  /** The incoming webhook URL (a secret: Secrets Manager in AWS). */
  readonly webhookUrl: () => Promise<string>;
}

export class SlackNotifier implements Notifier {
  readonly name = 'Slack';

  constructor(private readonly options: SlackOptions) {}

  async notify(alert: Alert): Promise<void> {
    const webhookUrl = await this.options.webhookUrl();
    // The URL is the credential: errors name the webhook, never its URL.
    const response = await retryingFetch(
      webhookUrl,
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(slackMessage(alert)) },
      this.options,
      { label: 'POST the Slack webhook' },
    );
    if (response.status !== 200)
      throw new Error(`Slack answered ${response.status}: ${redactUrl((await response.text()).slice(0, 300), webhookUrl)}`);
  }
}

const ICON: Record<Alert['severity'], string> = { critical: ':rotating_light:', warning: ':warning:', info: ':white_check_mark:' };

export function slackMessage(alert: Alert): { text: string; blocks: unknown[] } {
  const title = alert.title.replace(/^\[Stormguard\] /, '');
  return {
    text: mrkdwn(`${alert.title}\n${alert.text}`, TEXT_LIMIT),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(`Stormguard: ${title}`, HEADER_LIMIT), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: mrkdwn(alert.text, SECTION_LIMIT) } },
      ...(alert.links?.length
        ? [{ type: 'section', text: { type: 'mrkdwn', text: alert.links.map((l) => `<${l.href}|${l.text}>`).join(' · ') } }]
        : []),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${ICON[alert.severity]} ${alert.severity} · ${alert.kind} · ${new Date(alert.time).toISOString()} · \`${mrkdwn(alert.key, SECTION_LIMIT)}\``,
          },
        ],
      },
    ],
  };
}

/**
 * Text for mrkdwn: `&`, `<` and `>` escaped as Slack asks, so that a name from outside (a rule's
 * description, a deploy's author, a label) cannot become `<!channel>`, a mention or a link; then
 * cut, never inside an escape.
 */
function mrkdwn(text: string, limit: number): string {
  const escaped = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return escaped.length > limit ? `${escaped.slice(0, limit - 1).replace(/&[a-z]{0,3}$/, '')}…` : escaped;
}
