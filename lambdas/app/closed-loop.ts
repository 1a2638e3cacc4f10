/**
 * A closed-loop replay of a simulated scenario: what would have happened with the guardrail in
 * the loop. The first pass replays the scenario as it was (its bundled data, open loop) to learn
 * the guardrail's decisions; the second replays the same seeded world re-simulated with those
 * decisions applied (simulator/simulate.ts): the storm ends at the rollback, the
 * episode resolves, the heap never runs out. Only a simulation can be replayed this way: real
 * exports cannot be re-lived.
 */

import type { GuardrailConfig } from '../core/config.ts';
import type { MetricSeries } from '../core/metric-series.ts';
import { scenarioScope } from '../formats/timeline.ts';
import { exportScenario, readExport } from '../simulator/export.ts';
import type { Scenario } from '../simulator/scenario.ts';
import { applyRollbacks, simulate } from '../simulator/simulate.ts';
import { type ReplayHooks, type ReplayResult, replay } from './replay.ts';
import type { ActingPorts } from './tick.ts';

export interface ClosedLoop {
  /** The scenario as simulated, without the guardrail in the loop (decisions taken, nothing changed). */
  readonly withoutGuardrail: ReplayResult;
  /** That world's data (for the report: the heap running out without the guardrail). */
  readonly withoutGuardrailSeries: readonly MetricSeries[];
  /** The same world with the guardrail's changes applied. */
  readonly withGuardrail: ReplayResult;
  readonly warnings: readonly string[];
}

export async function replayClosedLoop(
  scenario: Scenario,
  config: GuardrailConfig,
  ports: { readonly probe: ActingPorts; readonly live: ActingPorts },
  hooks: ReplayHooks = {},
): Promise<ClosedLoop> {
  const signals = config.signals.map((s) => s.name);
  const scope = scenarioScope(config);
  const open = readExport(exportScenario(scenario, simulate(scenario)).files, signals, scope);
  const withoutGuardrail = await replay(
    { series: open.metrics.series, releases: open.timeline.events },
    config,
    ports.probe,
    hooks.cadence ? { cadence: true } : {},
  );
  const changed = applyRollbacks(scenario, withoutGuardrail.decisions);
  const closed = readExport(exportScenario(changed, simulate(changed)).files, signals, scope);
  const result = await replay({ series: closed.metrics.series, releases: closed.timeline.events }, config, ports.live, hooks);
  return {
    withoutGuardrail,
    withoutGuardrailSeries: open.metrics.series,
    withGuardrail: result,
    warnings: [...closed.metrics.warnings, ...closed.timeline.warnings],
  };
}
