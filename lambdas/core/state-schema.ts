/**
 * What a saved state must hold to be decided on, wherever it was saved (a state folder's
 * state.json, a DynamoDB head): the fields the gate and the next evaluation read, each of its type.
 * A corrupt or hand-edited state (or one from before a field was saved) is an input error naming
 * where it was read and the field, never a TypeError or a gate answering from half a state. Fields
 * saved as optional (state.ts) may be absent; other fields are kept as they are.
 */
import * as z from 'zod/mini';
import { parseInput } from './errors.ts';
import type { GuardrailState } from './state.ts';
import './zod-messages.ts';

const time = () => z.number();
const byKey = <T extends z.ZodMiniType>(value: T) => z.record(z.string(), value);
const objects = () => z.array(z.looseObject({}));

const target = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('fallthrough') }),
  z.looseObject({ kind: z.literal('rule'), ruleId: z.string(), label: z.optional(z.string()) }),
]);

/** What names a series (a DynamoDB head's gate summary lists series by it). */
export const seriesRefSchema = z.looseObject({
  key: z.string(),
  signal: z.string(),
  cluster: z.string(),
  dimensions: byKey(z.string()),
});

const seriesState = z.extend(seriesRefSchema, {
  detector: z.looseObject({ lastTime: z.nullable(time()) }),
  history: z.looseObject({ times: z.array(time()), values: z.array(z.number()) }),
  blind: z.boolean(),
});

const episode = z.looseObject({
  id: z.string(),
  onset: time(),
  resolvedAt: z.optional(time()),
  signals: z.array(z.string()),
});

const freeze = z.looseObject({
  flag: z.string(),
  environment: z.string(),
  target,
  percent: z.number(),
  since: time(),
  decisionId: z.string(),
});

/** Every field of the state but its revision and series: what a DynamoDB head holds beside its own. */
export const stateFieldsSchema = z.looseObject({
  version: z.literal(1),
  evaluatedAt: z.nullable(time()),
  episodes: z.array(episode),
  freezes: byKey(freeze),
  setPercents: byKey(z.looseObject({ percent: z.number(), time: time() })),
  lastRollbackAt: byKey(time()),
  acknowledgements: z.optional(objects()),
  watches: z.optional(objects()),
  heapWatches: z.optional(objects()),
  flagBaselines: z.optional(byKey(z.looseObject({}))),
  coverage: z.optional(
    byKey(
      z.looseObject({
        absent: z.array(z.string()),
        noTraffic: z.optional(z.array(z.string())),
        noFastSignal: z.array(z.string()),
        noHeadroom: z.array(z.string()),
      }),
    ),
  ),
  outbox: z.optional(objects()),
});

// A state file's problems are named in the order they always were: version, revision, evaluatedAt, series, the rest.
const { version, evaluatedAt, ...rest } = stateFieldsSchema.shape;
const stateSchema = z.looseObject({ version, revision: z.int().check(z.nonnegative()), evaluatedAt, series: byKey(seriesState), ...rest });

/** The state read from `where` (a file, an item), checked; it is returned as read (no field dropped or defaulted). */
export function checkedState(value: unknown, where: string): GuardrailState {
  parseInput(stateSchema, value, { file: where });
  return value as GuardrailState;
}
