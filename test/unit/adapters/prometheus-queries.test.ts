/** The default PromQL as docs/configuration.md shows it: what a user checks against their own exporter. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROMQL } from '../../../lambdas/adapters/prometheus/queries.ts';

describe('the default PromQL', () => {
  it('is in the configuration guide, every query as it is sent (ranges included)', async () => {
    const guide = await readFile(join(import.meta.dirname, '../../../docs/configuration.md'), 'utf8');
    for (const [signal, query] of Object.entries(DEFAULT_PROMQL)) {
      // A table cell escapes `|` in code.
      expect(guide, signal).toContain(`| \`${signal}\` |`);
      expect(guide, signal).toContain(`\`${query.replaceAll('|', '\\|')}\``);
    }
  });
});
