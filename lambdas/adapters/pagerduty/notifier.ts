/**
 * The PagerDuty Notifier, over the Events API v2 (`POST /v2/enqueue`): a critical alert (a
 * rollback, a revert, a release found moving a signal) triggers an incident; its end resolves it.
 * Warnings (an anomaly no release explains, a blind signal) go to Slack and the topic, never here:
 * whether an incident pages is the service's urgency rule, not the event's severity. The dedup key
 * is the alert's key (hashed past the API's 255 characters), so one episode is one incident
 * however many brokers and signals it spans.
 */
import { createHash } from 'node:crypto';
import type { Alert } from '../../core/alert.ts';
import { cut } from '../../core/format.ts';
import type { Notifier } from '../../ports.ts';
import { type RetryOptions, retryingFetch } from '../http/retrying-fetch.ts';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** The Events API's limit on a summary. */
const SUMMARY_LIMIT = 1024;
/** The Events API's limit on a dedup key. */
const DEDUP_KEY_LIMIT = 255;
/** The details are cut here: an event is at most 512 KB, and a page is read on a phone. */
const DETAILS_LIMIT = 32 * 1024;

export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger' | 'resolve';
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: 'critical' | 'error' | 'warning' | 'info';
    readonly timestamp: string;
    readonly component: string;
    readonly group: string;
    readonly class: string;
    readonly custom_details: Record<string, unknown>;
  };
  readonly client: string;
  readonly links?: ReadonlyArray<{ readonly href: string; readonly text: string }>;
}

export interface PagerDutyOptions extends RetryOptions {
  /** The integration's routing key (Secrets Manager in AWS). */
  readonly routingKey: () => Promise<string>;
  /** @default PAGERDUTY_EVENTS_URL */
  readonly url?: string;
  /** Links added to every incident (the dashboard, a runbook). */
  readonly links?: ReadonlyArray<{ readonly href: string; readonly text: string }>;
}

export class PagerDutyNotifier implements Notifier {
  readonly name = 'PagerDuty';

  constructor(private readonly options: PagerDutyOptions) {}

  async notify(alert: Alert): Promise<void> {
    const routingKey = await this.options.routingKey();
    const event = pagerDutyEvent(alert, routingKey, this.options.links ?? []);
    if (!event) return;
    const response = await retryingFetch(
      this.options.url ?? PAGERDUTY_EVENTS_URL,
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event) },
      this.options,
      { label: 'POST PagerDuty Events API', secrets: [routingKey] },
    );
    // An error body may quote the event: never the routing key in a message.
    if (response.status !== 202)
      throw new Error(
        `PagerDuty answered ${response.status}: ${(await response.text()).slice(0, 300).split(routingKey).join('<routing key>')}`,
      );
  }
}

/**
 * The Events API v2 event for an alert: resolved and sight-restored resolve (a key never triggered
 * resolves nothing); a critical alert triggers; anything else is no event (undefined).
 */
export function pagerDutyEvent(
  alert: Alert,
  routingKey: string,
  links: ReadonlyArray<{ href: string; text: string }>,
): PagerDutyEvent | undefined {
  const resolves = alert.kind === 'resolved' || alert.kind === 'sight-restored';
  const dedupKey = boundedKey(alert.key);
  if (resolves) return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey, client: 'Stormguard' };
  if (alert.severity !== 'critical') return undefined;
  const summary = `${alert.title.replace(/^\[Stormguard\] /, '')}`;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: cut(summary, SUMMARY_LIMIT),
      source: 'stormguard',
      severity: alert.severity,
      timestamp: new Date(alert.time).toISOString(),
      component: alert.episodeId?.split('/')[0] ?? 'kafka',
      group: 'kafka',
      class: alert.kind,
      custom_details: {
        details: cut(alert.text, DETAILS_LIMIT),
        ...(alert.decisionIds ? { decisions: alert.decisionIds } : {}),
      },
    },
    client: 'Stormguard',
    ...(links.length + (alert.links?.length ?? 0) > 0 ? { links: [...(alert.links ?? []), ...links] } : {}),
  };
}

/** A dedup key within the API's limit: as it is, or its start and a hash of the whole (the same for a trigger and its resolve). */
function boundedKey(key: string): string {
  if (key.length <= DEDUP_KEY_LIMIT) return key;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 32);
  return `${key.slice(0, DEDUP_KEY_LIMIT - hash.length - 1)}#${hash}`;
}
