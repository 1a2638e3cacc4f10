/**
 * Delivering alerts exactly once: each delivery to each notifier is claimed by the alert's key
 * and recorded as sent, so a duplicate run never sends it again and one its run did not finish is
 * finished by the next (effects.ts tells the whole scheme).
 */
import type { Alert } from '../core/alert.ts';
import { DeadlineExceededError, UnavailableError } from '../core/errors.ts';
import type { Notifier, StateStore } from '../ports.ts';

/** How a delivery error kept for a later run ends; any other is an alert lost (refused, or given up). */
export const LEFT_FOR_NEXT_RUN = '; left for the next run';

/** Of a run's notifier errors, those that lost an alert (the AlertsLost metric). */
export function alertsLost(notifierErrors: readonly string[]): number {
  return notifierErrors.filter((e) => !e.endsWith(LEFT_FOR_NEXT_RUN)).length;
}

/** How long an alert in the outbox is tried again before it is given up (and said so). */
export const OUTBOX_TRY_FOR_MS = 15 * 60_000;

/** The notifiers, and what the store claims deliveries with (without it: at most once). */
export interface DeliveryPorts {
  readonly store: Partial<Pick<StateStore, 'claimAlert' | 'recordAlertSent'>>;
  readonly notifiers: readonly Notifier[];
}

/** Where alerts go, what the store claims them with, and what a run collects of its deliveries. */
export interface Delivery<Ports extends DeliveryPorts = DeliveryPorts> {
  readonly ports: Ports;
  readonly now: number;
  readonly sent: Alert[];
  readonly notifierErrors: string[];
}

export /** Delivers each alert; returns those that could not be delivered everywhere yet (and are still worth trying). */
async function deliverAll(alerts: readonly Alert[], delivery: Delivery): Promise<Alert[]> {
  const undelivered: Alert[] = [];
  for (const alert of alerts) {
    if (delivery.now - alert.time > OUTBOX_TRY_FOR_MS) {
      delivery.notifierErrors.push(`gave up delivering ${alert.id} after ${OUTBOX_TRY_FOR_MS / 60_000} minutes: ${alert.title}`);
      continue;
    }
    if (!(await deliver(alert, delivery))) undelivered.push(alert);
  }
  return undelivered;
}

export /**
 * Delivers an alert to every notifier at once (one that hangs delays no other), each claimed by
 * key. True when it is done with: sent everywhere, or refused for good (said in notifierErrors);
 * false when some delivery is left for a later run (out of time, the service unavailable, or a
 * copy of this run has it).
 */
async function deliver(alert: Alert, { ports, now, sent, notifierErrors }: Delivery): Promise<boolean> {
  let attempted = false;
  const names = deliveryNames(ports.notifiers);
  const done = await Promise.all(
    ports.notifiers.map(async (notifier, index) => {
      const key = `${alert.id} → ${names[index]}`;
      const claim = ports.store.claimAlert ? await ports.store.claimAlert(key, now) : 'claimed';
      if (claim !== 'claimed') return claim === 'sent';
      attempted = true;
      try {
        await notifier.notify(alert);
      } catch (error) {
        // Out of time, or the service did not answer: a later run may get through. A refusal will not.
        if (error instanceof DeadlineExceededError || error instanceof UnavailableError) {
          notifierErrors.push(`${notifier.name}: ${error.message}${LEFT_FOR_NEXT_RUN}`);
          return false;
        }
        notifierErrors.push(`${notifier.name}: ${error instanceof Error ? error.message : String(error)}`);
        return true;
      }
      await ports.store.recordAlertSent?.(key, now);
      return true;
    }),
  );
  if (attempted || ports.notifiers.length === 0) sent.push(alert);
  return done.every(Boolean);
}

/** Each notifier's name in delivery keys: its name, numbered from the second of a name on. */
function deliveryNames(notifiers: readonly Notifier[]): string[] {
  const seen = new Map<string, number>();
  return notifiers.map(({ name }) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name} ${n}`;
  });
}
