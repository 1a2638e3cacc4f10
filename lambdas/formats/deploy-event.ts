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

/**
 * A deploy event is blamed for an effect that begins after it and before the next release, and a
 * deploy is named, never rolled back: one posted with a time well before it arrived (a pipeline's
 * wrong clock, a replayed event) could land between a flag's step and the storm it started, and
 * take the blame. The intake stores deploys of the guarded environment stamped within these bounds
 * of their arrival; the replay (`--timeline`) reads any time.
 */
export const DEPLOY_LATE_MS = 15 * 60_000;
export const DEPLOY_EARLY_MS = 2 * 60_000;

/** The posted deploys the intake stores, those of other environments it leaves out, and why any time is refused (field and reason); nothing is stored when one is. */
export function admitDeploys(
  deploys: readonly Deploy[],
  { now, environment }: { readonly now: number; readonly environment: string },
): { admitted: Deploy[]; elsewhere: number; refused: string[] } {
  // Only the guarded environment's are stored, so only theirs are judged: a late staging deploy never costs a production one in the same request.
  const admitted = deploys.filter((d) => d.environment === environment);
  const refused: string[] = [];
  for (const deploy of admitted) {
    const field = `deploy ${deploy.id}: field \`time\``;
    if (deploy.time > now + DEPLOY_EARLY_MS)
      refused.push(
        `${field}: ${new Date(deploy.time).toISOString()} is ahead of the time it arrived (${new Date(now).toISOString()}): check the pipeline's clock`,
      );
    else if (deploy.time < now - DEPLOY_LATE_MS)
      refused.push(
        `${field}: ${new Date(deploy.time).toISOString()} is more than ${DEPLOY_LATE_MS / 60_000} minutes before it arrived (${new Date(now).toISOString()}): post a deploy as it lands (a late one could be blamed for an effect that began before it)`,
      );
  }
  return { admitted, elsewhere: deploys.length - admitted.length, refused };
}
