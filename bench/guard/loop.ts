/**
 * One guard case through an engine, closed loop: the world is re-lived with the engine's rollbacks
 * applied (the flag at its new percentage from the decision on; the flag's later steps never
 * happen, as the freeze and the gate forbid them), until its decisions no longer change. The
 * world's noise does not depend on the flags, so each pass is the same world up to the newest
 * decision, and the loop ends within one pass per decision.
 *
 * Each pass goes through the same door as a user's export: the case is written in real formats
 * (bench/guard/export.ts) and read back by the project's readers.
 */

import type { ReplayInput } from '../../lambdas/app/schedule.ts';
import type { Alert } from '../../lambdas/core/alert.ts';
import type { GuardrailConfig } from '../../lambdas/core/config.ts';
import type { Decision } from '../../lambdas/core/decision.ts';
import { readExport } from '../../lambdas/simulator/export.ts';
import type { GuardCase } from './cases.ts';
import { exportCase } from './export.ts';
import { runWorld, type World, type WorldFlag } from './world.ts';

/** What an engine made of a replay: its decisions and the alerts it sent. */
export interface EngineRun {
  readonly decisions: readonly Decision[];
  readonly alerts: readonly Alert[];
}

export interface Engine {
  readonly name: string;
  run(input: ReplayInput, config: GuardrailConfig): Promise<EngineRun>;
}

export interface LoopResult {
  readonly run: EngineRun;
  /** The world as it was with the engine's changes applied. */
  readonly world: World;
  /** The first pass's input: the world without any guardrail (for rules that act once). */
  readonly openLoop: ReplayInput;
  readonly passes: number;
  readonly readWarnings: readonly string[];
}

const MAX_PASSES = 8;

export async function runClosedLoop(c: GuardCase, engine: Engine, config: GuardrailConfig): Promise<LoopResult> {
  let applied: Decision[] = [];
  let openLoop: ReplayInput | undefined;
  for (let pass = 1; ; pass++) {
    const flags = applyDecisions(c.world.flags, applied);
    const world = runWorld({ ...c.world, flags });
    const { metrics, timeline } = readExport(
      exportCase(c, world, flags),
      config.signals.map((s) => s.name),
    );
    const input: ReplayInput = { series: metrics.series, releases: timeline.events };
    openLoop ??= input;
    const run = await engine.run(input, config);
    const changes = run.decisions.filter((d) => d.mode === 'enforce');
    const differs = firstDifference(changes, applied);
    if (differs === undefined || pass === MAX_PASSES) {
      return { run, world, openLoop, passes: pass, readWarnings: [...metrics.warnings, ...timeline.warnings] };
    }
    applied = changes.slice(0, differs + 1);
  }
}

/** The index of the first decision that is not the one applied, or undefined when they agree. */
function firstDifference(decisions: readonly Decision[], applied: readonly Decision[]): number | undefined {
  const n = Math.max(decisions.length, applied.length);
  for (let i = 0; i < n; i++) {
    const a = decisions[i];
    const b = applied[i];
    if (!a || !b || a.flag !== b.flag || a.time !== b.time || a.toPercent !== b.toPercent || a.turnOff !== b.turnOff)
      return i < decisions.length ? i : undefined;
  }
  return undefined;
}

/** Flags as they were with these changes: human steps up to the first change, then the changes. */
export function applyDecisions(flags: readonly WorldFlag[], decisions: readonly Decision[]): WorldFlag[] {
  return flags.map((flag) => {
    const own = decisions.filter((d) => d.flag === flag.key).sort((a, b) => a.time - b.time);
    if (own.length === 0) return flag;
    const frozenAt = own[0]!.time;
    return {
      ...flag,
      steps: [
        ...flag.steps.filter((s) => s.time < frozenAt),
        ...own.map((d) => ({ time: d.time, percent: d.turnOff ? 0 : d.toPercent, by: 'stormguard', source: 'guardrail' as const })),
      ],
    };
  });
}
