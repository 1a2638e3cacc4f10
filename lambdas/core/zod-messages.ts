/**
 * zod's English messages, for the schemas in lambdas/: import this module beside `zod/mini`.
 *
 * lambdas/ validates with zod/mini rather than zod: the same checks, issues and messages, a
 * twentieth of the bundle (about 17 KiB against 440 KiB minified), which is most of what keeps
 * each Lambda small. zod/mini ships no messages of its own; this sets the ones the full zod prints.
 * (Import `* as z from 'zod/mini'` in each module rather than re-exporting it from here: a
 * re-exported namespace is kept whole by the bundler.)
 */

import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());
