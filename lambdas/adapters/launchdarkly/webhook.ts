/**
 * LaunchDarkly webhook deliveries: the signature check and the reading of what they carry.
 *
 * LaunchDarkly signs each delivery with `X-LD-Signature`: the hex HMAC-SHA256 of the raw body,
 * keyed with the webhook's secret. It is checked, in constant time, before anything is parsed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InputError } from '../../core/errors.ts';
import type { ReleaseEvent } from '../../core/release.ts';
import { readTimeline, type TimelineScope } from '../../formats/timeline.ts';

/**
 * Deliveries are audit-log entries with two flag versions: a flag with 20,000 individual targets
 * makes one of about 1 MB. Turned away, its step would wait for the backfill (15 minutes) to be
 * watched. A Function URL takes 6 MB.
 */
export const MAX_WEBHOOK_BYTES = 4 * 1024 * 1024;

/** Whether `signature` is the hex HMAC-SHA256 of `body` under `secret` (64 hex digits); constant time. */
export function signatureIsValid(body: Buffer, signature: string | undefined, secret: string): boolean {
  if (!signature || !/^[0-9a-f]{64}$/i.test(signature)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export type WebhookVerdict =
  | { readonly status: 200; readonly releases: ReleaseEvent[]; readonly warnings: string[] }
  | { readonly status: 400 | 401 | 413; readonly reason: string };

/**
 * Checks a delivery's size and signature, then reads its releases. Nothing is parsed before the
 * signature holds. `scope`: the flags' control variations and their project (readTimeline): a
 * webhook hears every project of the account, and another project's flag of the same key is not
 * the guarded one.
 */
export function readDelivery(body: Buffer, signature: string | undefined, secret: string, scope: TimelineScope = {}): WebhookVerdict {
  if (body.length > MAX_WEBHOOK_BYTES) return { status: 413, reason: `deliveries are at most ${MAX_WEBHOOK_BYTES} bytes` };
  if (!signatureIsValid(body, signature, secret)) return { status: 401, reason: signature ? 'bad signature' : 'missing X-LD-Signature' };
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    return { status: 400, reason: 'the body is not JSON' };
  }
  try {
    const { events, warnings } = readTimeline([{ source: 'webhook', document }], scope);
    return { status: 200, releases: events, warnings };
  } catch (error) {
    if (error instanceof InputError) return { status: 400, reason: error.message };
    throw error;
  }
}
