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

/**
 * Each HotSpot collector's heap MemoryPool names (the JVM's MemoryPoolMXBean names, as the Java
 * client's `pool` label gives them), the pool read after GC first.
 */
const COLLECTORS: Record<string, { old: string; young: string[] }> = {
  G1: { old: 'G1 Old Gen', young: ['G1 Eden Space', 'G1 Survivor Space'] },
  Parallel: { old: 'PS Old Gen', young: ['PS Eden Space', 'PS Survivor Space'] },
  CMS: { old: 'CMS Old Gen', young: ['Par Eden Space', 'Par Survivor Space'] },
  Serial: { old: 'Tenured Gen', young: ['Eden Space', 'Survivor Space'] },
  'ZGC, generational (JDK 21+)': { old: 'ZGC Old Generation', young: ['ZGC Young Generation'] },
  // One pool, the whole heap: after GC, it is what the collector could not free.
  'ZGC, single-generation': { old: 'ZHeap', young: [] },
  Shenandoah: { old: 'Shenandoah', young: [] },
  'Shenandoah, generational': { old: 'Shenandoah Old Gen', young: ['Shenandoah Young Gen'] },
};

describe('the default heap query', () => {
  // PromQL's =~ matches the whole label value (RE2, anchored at both ends).
  const pool = /pool=~"([^"]*)"/.exec(DEFAULT_PROMQL.HeapMemoryAfterGC!)![1]!;
  const matches = (name: string) => new RegExp(`^(?:${pool})$`).test(name);

  it.each(Object.entries(COLLECTORS))('reads the old pool of %s, and none of its young ones', (_, { old, young }) => {
    expect(matches(old)).toBe(true);
    for (const name of [...young, 'Metaspace', 'Compressed Class Space', "CodeHeap 'non-nmethods'"]) expect(matches(name)).toBe(false);
  });
});
