/**
 * Timeline documents: each a JSON array of entries, an audit-log page (`{ items: [...] }`), or a
 * single entry. Entries are told apart by shape: `_id` and `date` make a LaunchDarkly audit entry,
 * `service` and `version` a deploy event. The result is ordered and deduplicated.
 */
import { InputError, parseInput } from '../core/errors.ts';
import { readTime } from '../core/input-bounds.ts';
import { orderedUnique, type ReleaseEvent } from '../core/release.ts';
import { isDeployEvent, readDeployEvent } from './deploy-event.ts';
import { auditEntrySchema, controlVariations, type FlagChange, flagChangeOf, isAuditEntry, projectsOf, stepsOf } from './launchdarkly.ts';

export interface TimelineReadout {
  readonly events: ReleaseEvent[];
  /** Every flag change the audit entries record, in time order: the flags as LaunchDarkly had them. */
  readonly flagChanges: FlagChange[];
  readonly warnings: string[];
}

/** How the guarded flags are read (from the configuration: `timelineScope`). */
export interface TimelineScope {
  /**
   * A control variation per flag key, where exposure is measured against a variation other than
   * the off variation (configuration `flags.<key>.controlVariation`).
   */
  readonly controls?: Readonly<Record<string, number>>;
  /** The LaunchDarkly project the flags are in (`launchDarkly.projectKey`): entries naming only others are not its steps. */
  readonly project?: string | undefined;
}

/** A configuration's scope: its flags' control variations and its LaunchDarkly project. */
export function timelineScope(
  config: Parameters<typeof controlVariations>[0] & { readonly launchDarkly?: { readonly projectKey: string } | undefined },
): TimelineScope {
  return { controls: controlVariations(config), project: config.launchDarkly?.projectKey };
}

/**
 * How a simulated or bundled scenario's timeline is read: the configuration's control variations,
 * but not its project: the simulator writes its own (`default`), and a drill on a test project
 * replays a scenario's steps there.
 */
export function scenarioScope(config: Parameters<typeof timelineScope>[0]): TimelineScope {
  return { controls: timelineScope(config).controls };
}

export function readTimeline(documents: ReadonlyArray<{ source: string; document: unknown }>, scope: TimelineScope = {}): TimelineReadout {
  const events: ReleaseEvent[] = [];
  const flagChanges: FlagChange[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const { source, document } of documents) {
    for (const { item, field } of entriesOf(document)) {
      if (isDeployEvent(item)) {
        events.push(readDeployEvent(item, source, field));
      } else if (isAuditEntry(item)) {
        const entry = parseInput(auditEntrySchema, item, { file: source, field });
        const date = readTime(entry.date, 'ms');
        if ('problem' in date) throw new InputError({ file: source, field: `${field}.date` }, date.problem);
        if (entry.kind !== 'flag') continue;
        const projects = projectsOf(entry);
        for (const project of projects) seen.add(project);
        if (scope.project !== undefined && projects.length > 0 && !projects.includes(scope.project)) {
          warnings.push(`${source}: ${field} (${entry._id}) is a change in project ${projects.join(', ')}, not ${scope.project}: left out`);
          continue;
        }
        if (!entry.previousVersion || !entry.currentVersion) {
          warnings.push(
            `${source}: ${field} (${entry._id}) has no previousVersion/currentVersion: fetch the entry itself to read its steps`,
          );
          continue;
        }
        const change = flagChangeOf(entry, source, field);
        flagChanges.push(change);
        events.push(...stepsOf(entry, change, scope.controls));
      } else {
        throw new InputError(
          { file: source, field },
          'expected a LaunchDarkly audit-log entry (`_id`, `date`, …) or a deploy event (`id`, `time`, `service`, `version`, `environment`)',
        );
      }
    }
  }
  // Environment and flag keys are unique only within a project: without one configured, two projects' flags of one key are read as one.
  if (scope.project === undefined && seen.size > 1)
    warnings.push(
      `the timeline holds changes in ${seen.size} LaunchDarkly projects (${[...seen].sort().join(', ')}) and no launchDarkly.projectKey is configured: flags of the same key in them are read as one; set it to the guarded project`,
    );
  // Repeated entries (a webhook and the audit log) are one change; the order is LaunchDarkly's.
  const changes = [...new Map(flagChanges.map((c) => [c.id, c])).values()].sort((a, b) => a.time - b.time);
  return { events: orderedUnique(events), flagChanges: changes, warnings };
}

function entriesOf(document: unknown): Array<{ item: unknown; field: string }> {
  if (Array.isArray(document)) return document.map((item, i) => ({ item, field: `[${i}]` }));
  const items = typeof document === 'object' && document !== null ? (document as { items?: unknown }).items : undefined;
  if (Array.isArray(items)) return items.map((item, i) => ({ item, field: `items[${i}]` }));
  return [{ item: document, field: '(document)' }];
}
