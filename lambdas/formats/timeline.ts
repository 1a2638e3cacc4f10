/**
 * Timeline documents: each a JSON array of entries, an audit-log page (`{ items: [...] }`), or a
 * single entry. Entries are told apart by shape: `_id` and `date` make a LaunchDarkly audit entry,
 * `service` and `version` a deploy event. The result is ordered and deduplicated.
 */
import { InputError, parseInput } from '../core/errors.ts';
import { readTime } from '../core/input-bounds.ts';
import { orderedUnique, type ReleaseEvent } from '../core/release.ts';
import { isDeployEvent, readDeployEvent } from './deploy-event.ts';
import { auditEntrySchema, isAuditEntry, stepsOf } from './launchdarkly.ts';

export interface TimelineReadout {
  readonly events: ReleaseEvent[];
  readonly warnings: string[];
}

export function readTimeline(documents: ReadonlyArray<{ source: string; document: unknown }>): TimelineReadout {
  const events: ReleaseEvent[] = [];
  const warnings: string[] = [];
  for (const { source, document } of documents) {
    for (const { item, field } of entriesOf(document)) {
      if (isDeployEvent(item)) {
        events.push(readDeployEvent(item, source, field));
      } else if (isAuditEntry(item)) {
        const entry = parseInput(auditEntrySchema, item, { file: source, field });
        const date = readTime(entry.date, 'ms');
        if ('problem' in date) throw new InputError({ file: source, field: `${field}.date` }, date.problem);
        if (entry.kind !== 'flag') continue;
        if (!entry.previousVersion || !entry.currentVersion) {
          warnings.push(
            `${source}: ${field} (${entry._id}) has no previousVersion/currentVersion: fetch the entry itself to read its steps`,
          );
          continue;
        }
        events.push(...stepsOf(entry, source, field));
      } else {
        throw new InputError(
          { file: source, field },
          'expected a LaunchDarkly audit-log entry (`_id`, `date`, …) or a deploy event (`id`, `time`, `service`, `version`, `environment`)',
        );
      }
    }
  }
  return { events: orderedUnique(events), warnings };
}

function entriesOf(document: unknown): Array<{ item: unknown; field: string }> {
  if (Array.isArray(document)) return document.map((item, i) => ({ item, field: `[${i}]` }));
  const items = typeof document === 'object' && document !== null ? (document as { items?: unknown }).items : undefined;
  if (Array.isArray(items)) return items.map((item, i) => ({ item, field: `items[${i}]` }));
  return [{ item: document, field: '(document)' }];
}
