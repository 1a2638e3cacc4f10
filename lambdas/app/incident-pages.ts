/**
 * Incident pages kept after a run: one per episode alerted, the page its alerts link to. A page
 * that cannot be written is told to the caller and never fails the run: the rollback is done.
 */
import type { GuardrailConfig } from '../core/config.ts';
import { buildReport, ReportRecorder } from '../core/incident-report.ts';
import type { ReportStore } from '../ports.ts';
import type { ReadResult } from './run-once.ts';

/** Renders the report data into a page: the HTML adapter, passed in so the app stays free of it. */
export type RenderPage = (data: ReturnType<typeof buildReport>) => Promise<string>;

/** Writes the page of each episode alerted this run; returns the episodes whose page failed, with why. */
export async function keepIncidentPages(
  result: ReadResult,
  store: ReportStore,
  render: RenderPage,
  config: GuardrailConfig,
): Promise<string[]> {
  const failures: string[] = [];
  const episodes = [...new Set(result.sent.flatMap((a) => (a.episodeId ? [a.episodeId] : [])))];
  for (const episodeId of episodes) {
    try {
      const data = buildReport(
        reportSource(result, episodeId),
        ReportRecorder.fromState(result.state, config),
        `Stormguard incident report: ${episodeId}`,
        config.environment,
      );
      await store.write(episodeId, await render(data));
    } catch (error) {
      failures.push(`the report of ${episodeId} was not written: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failures;
}

/** The run as the report sees it: from the oldest point of history kept to the evaluation. */
function reportSource(result: ReadResult, episodeId: string) {
  const times = Object.values(result.state.series).flatMap((s) => (s.history.times.length ? [s.history.times[0]!] : []));
  return {
    from: Math.min(result.evaluatedAt, ...times),
    to: result.evaluatedAt,
    releases: result.releases,
    episodes: result.state.episodes.filter((e) => e.id === episodeId),
    decisions: result.acted,
    outcomes: Object.fromEntries(result.outcomes),
    alerts: result.sent,
  };
}
