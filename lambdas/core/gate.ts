/**
 * The CD gate: may this flag take this rollout step now? The answer CD pipelines ask before each
 * step, with every reason it says no.
 *
 * Denied while the flag is frozen (a rollback has not been acknowledged); while an anomaly episode
 * is open; while a guarded signal has less headroom than the policy (heap after GC above its
 * `headroomPercent`: stepping up a cluster still under stress is how a second outage starts);
 * before the bake time since the flag's last step; while the guardrail is blind (series silent,
 * or the guardrail itself not evaluating). A step down is always allowed. No state at all: the
 * gate cannot decide.
 */
import type { GuardrailConfig } from './config.ts';
import { isOpen } from './episode.ts';
import { knownPercent } from './exposure.ts';
import { formatDuration, formatNumber, formatPercent, formatTime } from './format.ts';
import { freezeOf } from './freeze.ts';
import { guardrailIsStale } from './freshness.ts';
import { seriesName } from './metric-series.ts';
import type { ReleaseEvent } from './release.ts';
import type { GuardrailState } from './state.ts';

export interface GateRequest {
  readonly flag: string;
  readonly environment: string;
  readonly targetPercent: number;
}

export interface GateAnswer {
  /** allow: go ahead; deny: not now (see reasons); unknown: the gate cannot decide. */
  readonly verdict: 'allow' | 'deny' | 'unknown';
  readonly reasons: string[];
  readonly evidence: {
    readonly currentPercent?: number;
    readonly lastStepAt?: string;
    readonly evaluatedAt?: string;
    readonly openEpisodes?: string[];
    readonly blindSeries?: string[];
  };
}

export function decideGate(
  state: GuardrailState | undefined,
  releases: readonly ReleaseEvent[],
  config: GuardrailConfig,
  request: GateRequest,
  now: number,
): GateAnswer {
  if (!state || state.evaluatedAt === null)
    return { verdict: 'unknown', reasons: ['the guardrail has not evaluated yet: there is nothing to decide on'], evidence: {} };
  const { flag, environment, targetPercent } = request;
  // The step a pipeline takes is the default rule's; the bake time counts from the flag's last step of any rule.
  const lastStep = releases
    .filter((r) => r.kind === 'rollout-step' && r.flag === flag && r.environment === environment && r.time <= now)
    .at(-1);
  const currentPercent = knownPercent(state, releases, flag, environment, { kind: 'fallthrough' }, now)?.percent ?? 0;
  const evidence = {
    currentPercent,
    evaluatedAt: new Date(state.evaluatedAt).toISOString(),
    ...(lastStep ? { lastStepAt: new Date(lastStep.time).toISOString() } : {}),
  };
  if (targetPercent <= currentPercent) {
    return {
      verdict: 'allow',
      reasons: [`a step down (${formatPercent(currentPercent)} → ${formatPercent(targetPercent)}) is always allowed`],
      evidence,
    };
  }

  const reasons: string[] = [];
  if (guardrailIsStale(state.evaluatedAt, now, config)) {
    reasons.push(`blind: the guardrail last evaluated at ${formatTime(state.evaluatedAt)}, ${formatDuration(now - state.evaluatedAt)} ago`);
  }
  const freeze = freezeOf(state, flag, environment);
  if (freeze)
    reasons.push(
      `frozen: ${flag} is frozen at ${formatPercent(freeze.percent)} since ${formatTime(freeze.since)} until acknowledged (stormguard ack)`,
    );
  const open = state.episodes.filter(isOpen);
  for (const episode of open)
    reasons.push(`anomalous: episode ${episode.id} open since ${formatTime(episode.onset)} (${episode.signals.join(', ')})`);
  const series = Object.values(state.series);
  const blind = series.filter((s) => s.blind).map(seriesName);
  if (blind.length > 0)
    reasons.push(`blind: ${blind.length} series stopped reporting (${blind.slice(0, 5).join(', ')}${blind.length > 5 ? ', …' : ''})`);
  for (const signal of config.signals) {
    if (signal.headroomPercent === undefined) continue;
    for (const s of series) {
      const latest = s.signal === signal.name ? s.history.values.at(-1) : undefined;
      if (latest !== undefined && latest > signal.headroomPercent) {
        reasons.push(`headroom: ${seriesName(s)} at ${formatNumber(latest)}% is above ${formatPercent(signal.headroomPercent)}`);
      }
    }
  }
  const bakeMs = config.gate.bakeMinutes * 60_000;
  if (lastStep && now - lastStep.time < bakeMs) {
    reasons.push(`bake time: ${flag}'s last step was ${formatDuration(now - lastStep.time)} ago, less than ${formatDuration(bakeMs)}`);
  }
  const answerEvidence = { ...evidence, openEpisodes: open.map((e) => e.id), blindSeries: blind };
  if (reasons.length > 0) return { verdict: 'deny', reasons, evidence: answerEvidence };
  return {
    verdict: 'allow',
    reasons: [`no guard objects to ${flag} ${formatPercent(currentPercent)} → ${formatPercent(targetPercent)}`],
    evidence: answerEvidence,
  };
}
