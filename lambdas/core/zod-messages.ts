/**
 * zod's English messages, for the schemas in lambdas/: import this module beside `zod/mini`.
 *
 * lambdas/ validates with zod/mini rather than zod: the same checks, issues and messages, a
 * twentieth of the bundle (about 17 KiB against 440 KiB minified), which is most of what keeps
 * each Lambda small. zod/mini ships no messages of its own; this sets the ones the full zod prints,
 * but for a field that is missing: zod says it received undefined, a word no file has.
 * (Import `* as z from 'zod/mini'` in each module rather than re-exporting it from here: a
 * re-exported namespace is kept whole by the bundler.)
 */

import { en } from 'zod/locales';
import { config, type core } from 'zod/mini';

const english = en();

config({ ...english, customError: missing });

/** A missing field's message: `missing: expected a string`, `missing: expected one of "a"|"b"`; otherwise zod's own. */
function missing(issue: core.$ZodRawIssue): string | undefined {
  if (issue.input !== undefined) return undefined;
  if (issue.code === 'invalid_type') return `missing: expected ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
  if (issue.code !== 'invalid_value') return undefined;
  const message = english.localeError?.(issue);
  return typeof message === 'string' ? message.replace(/^Invalid \w+: /, 'missing: ') : undefined;
}
