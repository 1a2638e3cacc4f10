/**
 * The field types a configuration is made of: names, bounded numbers, defaults. Each bound's
 * message says why it is there.
 */

import * as z from 'zod/mini';
import { LIMITS } from './config-limits.ts';
import { MAX_NAME_LENGTH } from './input-bounds.ts';
import './zod-messages.ts';

export const positive = () => z.number().check(z.positive());
export const nonnegative = () => z.number().check(z.nonnegative());
/** A name: not empty, at most MAX_NAME_LENGTH characters. */
export const text = () => z.string().check(z.minLength(1), z.maxLength(MAX_NAME_LENGTH, `at most ${MAX_NAME_LENGTH} characters`));
/** A name that is written into a CloudWatch SEARCH expression: no quote, backslash, brace or control character can break out of it. */
export const searchText = () =>
  text().check(
    z.refine(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
      (value) => !/["'\\{}\u0000-\u001f]/.test(value),
      'must not contain quotes, backslashes, braces or control characters (it is written into a CloudWatch SEARCH expression)',
    ),
  );
/** A signal's name: a metric name, written into SEARCH expressions, PromQL defaults and series keys. */
export const signalName = () =>
  z
    .string()
    .check(
      z.regex(
        /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/,
        'expected a metric name: a letter, then letters, digits, _ . : or - (at most 128 characters)',
      ),
    );
export const atMost = (limit: number, why: string) => z.maximum(limit, `at most ${limit} (${why})`);
export const periods = (min: number) => z.int().check(z.minimum(min), atMost(LIMITS.periods, 'periods: a baseline that slow never moves'));
export const minutes = () => z.number().check(z.nonnegative(), atMost(LIMITS.minutes, 'minutes: a week'));
export const withDefault = <T extends z.ZodMiniType>(schema: T, value: z.output<T>) => z._default(schema, value as never);
export const rollbackTarget = () => z.enum(['previous-step', 'zero', 'off']);
