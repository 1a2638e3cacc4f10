/**
 * Deploy events, as CD pipelines post them: `{ id, time, service, version, environment, by? }`,
 * `time` in ISO 8601 or epoch milliseconds, within 2006..2100 (epoch seconds are named as such,
 * not read as January 1970; "0" is not a time).
 */

import * as z from 'zod/mini';
import { InputError, parseInput } from '../core/errors.ts';
import { MAX_NAME_LENGTH, readTime } from '../core/input-bounds.ts';
import type { Deploy } from '../core/release.ts';
import '../core/zod-messages.ts';

const text = () => z.string().check(z.minLength(1), z.maxLength(MAX_NAME_LENGTH));

export const deployEventSchema = z.object({
  id: text(),
  time: z.union([z.string(), z.number()]),
  service: text(),
  version: text(),
  environment: text(),
  by: z.optional(z.string().check(z.maxLength(MAX_NAME_LENGTH))),
});

/**
 * Whether a timeline entry is meant as a deploy event: not a LaunchDarkly entry (`_id`), and a key
 * only deploy events have. One of them misspelt (`verison`) is then named by the schema, not met
 * with "expected an audit-log entry or a deploy event".
 */
export function isDeployEvent(item: unknown): boolean {
  return typeof item === 'object' && item !== null && !('_id' in item) && ['service', 'version', 'environment'].some((key) => key in item);
}

export function readDeployEvent(item: unknown, source: string, field: string): Deploy {
  const event = parseInput(deployEventSchema, item, { file: source, field });
  const reading = readTime(event.time, 'ms');
  if ('problem' in reading) throw new InputError({ file: source, field: `${field}.time` }, reading.problem);
  const { time } = reading;
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
