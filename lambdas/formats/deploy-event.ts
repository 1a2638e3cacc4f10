/**
 * Deploy events, as CD pipelines post them: `{ id, time, service, version, environment, by? }`,
 * `time` in ISO 8601 or epoch milliseconds.
 */
import { InputError, parseInput } from '../core/errors.ts';
import type { Deploy } from '../core/release.ts';
import * as z from 'zod/mini';
import '../core/zod-messages.ts';

const text = () => z.string().check(z.minLength(1));

export const deployEventSchema = z.object({
  id: text(),
  time: z.union([z.string(), z.number()]),
  service: text(),
  version: text(),
  environment: text(),
  by: z.optional(z.string()),
});

/** Whether a timeline entry looks like a deploy event rather than a LaunchDarkly entry. */
export function isDeployEvent(item: unknown): boolean {
  return typeof item === 'object' && item !== null && 'service' in item && 'version' in item;
}

export function readDeployEvent(item: unknown, source: string, field: string): Deploy {
  const event = parseInput(deployEventSchema, item, { file: source, field });
  const time = typeof event.time === 'number' ? event.time : Date.parse(event.time);
  if (!Number.isFinite(time)) {
    throw new InputError({ file: source, field: `${field}.time` }, `expected an ISO 8601 time or epoch milliseconds, got ${JSON.stringify(event.time)}`);
  }
  return {
    kind: 'deploy',
    id: event.id,
    time,
    service: event.service,
    version: event.version,
    environment: event.environment,
    ...(event.by ? { by: event.by } : {}),
  };
}
