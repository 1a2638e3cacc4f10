/**
 * A delivery a service could not take now (no answer after its retries, a throttle) is left for
 * the next run, within OUTBOX_TRY_FOR_MS; one it refused (a 4xx) is given up and said. The rollback
 * page must not be lost to a minute of PagerDuty 503s.
 */
import { describe, expect, it } from 'vitest';
import { RetriesExhaustedError } from '../../../lambdas/adapters/http/retrying-fetch.ts';
import { MemoryStateStore } from '../../../lambdas/adapters/memory/index.ts';
import { SnsNotifier } from '../../../lambdas/adapters/sns/notifier.ts';
import { alertsLost, type Delivery, deliver, deliverAll, OUTBOX_TRY_FOR_MS } from '../../../lambdas/app/alert-delivery.ts';
import type { Alert } from '../../../lambdas/core/alert.ts';
import type { Notifier } from '../../../lambdas/ports.ts';

const T = Date.parse('2025-08-28T14:01:00Z');
const page: Alert = { key: 'episode/e', id: 'a1', kind: 'episode', severity: 'critical', time: T, title: 'rolled back', text: 'evidence' };

/** A notifier that fails with `failures` in turn, then sends. */
function flaky(failures: Error[]): Notifier & { sent: number } {
  const notifier = {
    name: 'PagerDuty',
    sent: 0,
    notify: async () => {
      const failure = failures.shift();
      if (failure) throw failure;
      notifier.sent++;
    },
  };
  return notifier;
}

const delivery = (notifier: Notifier, store: MemoryStateStore, now: number): Delivery => ({
  ports: { store, notifiers: [notifier] },
  now,
  sent: [],
  notifierErrors: [],
});

describe('deliver', () => {
  it('keeps an alert the service did not answer for the next run, which sends it once', async () => {
    const store = new MemoryStateStore();
    const notifier = flaky([new RetriesExhaustedError(4, 'POST PagerDuty Events API: 503 busy')]);
    const first = delivery(notifier, store, T);
    expect(await deliver(page, first)).toBe(false);
    expect(first.notifierErrors).toEqual([expect.stringMatching(/^PagerDuty: no answer after 4 attempts .*; left for the next run$/)]);
    expect(await deliverAll([page], delivery(notifier, store, T + 60_000))).toEqual([]);
    expect(notifier.sent).toBe(1);
  });

  it('gives up an alert the service refused, saying why; and one still unavailable after OUTBOX_TRY_FOR_MS', async () => {
    const refused = delivery(flaky([new Error('PagerDuty answered 400: invalid routing key')]), new MemoryStateStore(), T);
    expect(await deliver(page, refused)).toBe(true);
    expect(refused.notifierErrors).toEqual(['PagerDuty: PagerDuty answered 400: invalid routing key']);
    const late = delivery(flaky([]), new MemoryStateStore(), T + OUTBOX_TRY_FOR_MS + 1);
    expect(await deliverAll([page], late)).toEqual([]);
    expect(late.notifierErrors).toEqual([expect.stringMatching(/^gave up delivering a1 after 15 minutes/)]);
    // Both lost an alert (the AlertsLost alarm, at once); one left for the next run did not.
    expect(alertsLost([...refused.notifierErrors, ...late.notifierErrors, 'PagerDuty: no answer; left for the next run'])).toBe(2);
  });

  it("an SNS throttle or fault on SNS's side is unavailable, not refused: kept for the next run", async () => {
    // As the SDK raises them (@aws-sdk/client-sns's exception classes carry these fields).
    const fault = (name: string, status: number | undefined, fields: Record<string, unknown> = {}) =>
      Object.assign(new Error(name), {
        name,
        $fault: status && status < 500 ? 'client' : 'server',
        $metadata: { httpStatusCode: status },
        ...fields,
      });
    for (const [error, kept] of [
      [fault('ThrottledException', 400), true],
      [fault('KMSThrottlingException', 400), true],
      [fault('InternalErrorException', 500), true],
      [fault('TimeoutError', undefined, { $fault: 'client' }), true],
      [fault('Throttling', 400, { $retryable: { throttling: true } }), true],
      [fault('AuthorizationErrorException', 403), false],
      [fault('NotFoundException', 404), false],
    ] as const) {
      const client = { send: async () => Promise.reject(error) };
      const sns = new SnsNotifier(client as never, 'arn:aws:sns:eu-west-1:123456789012:alerts');
      expect(await deliver(page, delivery(sns, new MemoryStateStore(), T)), String(error.name)).toBe(!kept);
    }
  });
});
