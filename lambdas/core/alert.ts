/**
 * Alerts: what on-call reads. Alerts about one episode (a cluster's signal) share a key, naming
 * the release (flag, environment, step, when, by whom) with the check's evidence, the signal
 * against its baseline, and what was done; one when it resolves; one when the guardrail goes
 * blind or sees again; one for each step-up reverted while a flag was frozen.
 *
 * Pages only when it matters. critical: a rollback or a step back (or its recommendation in
 * observe mode), a revert, a release that moved a signal and was not rolled back (a deploy, named),
 * a heap forecast to reach its limit within the horizon. warning: an anomaly no release explains,
 * a blind signal. info: resolved, seeing again.
 */
import type { Decision, Outcome } from './decision.ts';
import { type Episode, episodeSignal } from './episode.ts';
import { describeCandidates, describeEvidence } from './finding.ts';
import { formatDuration, formatEffect, formatFactor, formatNumber, formatPercent, formatTime } from './format.ts';
import type { SightChange } from './freshness.ts';
import { flagTarget, guardKey, type ReleaseEvent, releaseName, targetLabel } from './release.ts';

/** Something to tell people; rendered into text once the decisions' outcomes are known. */
export type AlertIntent =
  | {
      readonly kind: 'episode';
      readonly time: number;
      readonly episodeId: string;
      readonly decisionIds: readonly string[];
      /** What this alert adds when it carries no decision: the release found (its id), or none for a warning. */
      readonly finding?: string;
    }
  | { readonly kind: 'resolved'; readonly time: number; readonly episodeId: string }
  | { readonly kind: 'reverted'; readonly time: number; readonly decisionId: string }
  | SightChange;

export interface Alert {
  /** Deduplication key: the same for every alert about one episode (or one blind signal, or one frozen target's reverts). */
  readonly key: string;
  /** Idempotency key: this one alert, whichever run sends it (set when it is queued for delivery). */
  readonly id?: string;
  readonly kind: AlertIntent['kind'];
  readonly severity: 'critical' | 'warning' | 'info';
  readonly time: number;
  readonly title: string;
  readonly text: string;
  readonly episodeId?: string;
  readonly decisionIds?: readonly string[];
  /** Where to see more: the incident report, where one is kept. */
  readonly links?: ReadonlyArray<{ readonly href: string; readonly text: string }>;
}

export interface AlertContext {
  readonly episodes: readonly Episode[];
  readonly decisions: ReadonlyMap<string, Decision>;
  readonly outcomes: ReadonlyMap<string, Outcome>;
  /** Signals scored in log space report factors; others differences. */
  readonly logScale: (signal: string) => boolean;
}

export function renderAlert(intent: AlertIntent, context: AlertContext): Alert {
  switch (intent.kind) {
    case 'episode':
      return episodeAlert(intent, findEpisode(context, intent.episodeId), context);
    case 'resolved': {
      const episode = findEpisode(context, intent.episodeId);
      return {
        key: `episode/${episode.id}`,
        kind: 'resolved',
        severity: 'info',
        time: intent.time,
        episodeId: episode.id,
        title: `[Stormguard] Resolved: ${episodeSignal(episode)} on ${episode.cluster} is back within its baseline`,
        text: `Episode ${episode.id} resolved at ${formatTime(intent.time)}, after ${formatDuration(intent.time - episode.onset)}; no anomaly since ${formatTime(episode.lastAnomalyAt)}.`,
      };
    }
    case 'reverted': {
      const decision = context.decisions.get(intent.decisionId)!;
      const release = decision.evidence.release;
      return {
        key: revertKey(decision),
        kind: 'reverted',
        severity: 'critical',
        time: intent.time,
        decisionIds: [decision.id],
        title: `[Stormguard] Frozen flag ${flagTarget(decision.flag, decision.target)} stepped up to ${formatPercent(decision.fromPercent)}: ${actionVerb(decision, context)} to ${formatPercent(decision.toPercent)}`,
        text: [
          `Step up of a frozen flag: ${release ? describeRelease(release) : decision.flag}.`,
          `Reason: ${decision.reason}.`,
          `Action: ${describeAction(decision, context)}`,
          ackInstruction(decision),
        ].join('\n'),
      };
    }
    case 'blind':
    case 'sight-restored': {
      const blind = intent.kind === 'blind';
      return {
        key: `blind/${intent.cluster}/${intent.signal}`,
        kind: intent.kind,
        severity: blind ? 'warning' : 'info',
        time: intent.time,
        title: blind
          ? `[Stormguard] Blind: ${intent.signal} on ${intent.cluster} stopped reporting (${intent.series.length} series)`
          : `[Stormguard] Seeing again: ${intent.signal} on ${intent.cluster} reports again`,
        text: blind
          ? `No datapoint since ${formatTime(intent.since)} from: ${intent.series.join(', ')}.\n` +
            'Missing data is not zero: the guardrail cannot see this signal, will not roll back because of it, and the gate denies step-ups until it reports again.'
          : `Reporting again: ${intent.series.join(', ')}.`,
      };
    }
  }
}

/**
 * The key of a revert's alert: the freeze's (its target, and when it began), so that the reverts of
 * one freeze are one incident (PagerDuty folds a trigger into the open incident of its key: one
 * page, not one a step), and a later freeze of the target pages again.
 */
export function revertKey(decision: Pick<Decision, 'flag' | 'environment' | 'target' | 'frozenSince'>): string {
  const since = decision.frozenSince === undefined ? '' : `/${new Date(decision.frozenSince).toISOString()}`;
  return `revert/${guardKey(decision.flag, decision.environment, decision.target)}${since}`;
}

/** How on-call lifts the freeze a rollback left, once the cause is fixed. */
function ackInstruction(decision: Decision): string {
  return `Once the cause is fixed, acknowledge the freeze: stormguard ack --flag ${decision.flag} --env ${decision.environment} --reason "…" --function <the stack's AckFunction> (or --state FOLDER for a replay).`;
}

function episodeAlert(intent: Extract<AlertIntent, { kind: 'episode' }>, episode: Episode, context: AlertContext): Alert {
  const decisions = intent.decisionIds.map((id) => context.decisions.get(id)!).filter(Boolean);
  const attribution = episode.attribution?.kind === 'attributed' ? episode.attribution : undefined;
  const lines = [
    `Episode ${episode.id} on cluster ${episode.cluster}, detected ${formatTime(episode.detectedAt)}.`,
    ...(episode.openedBy ? [] : [signalLine(episode, context)]),
    attribution
      ? `Release: ${describeRelease(attribution.release)}${attribution.others.length > 0 ? `; candidates of the same minute: ${[attribution.release, ...attribution.others].map((r) => releaseName(r)).join(', ')}` : ''}.\n` +
        `Evidence: ${describeEvidence(attribution.evidence)}.`
      : 'Release: no release correlates with this episode (no release watch of its signal explains it).',
    decisions.length > 0
      ? decisions.map((d) => `Action: ${describeAction(d, context)}`).join('\n')
      : `Action: none (${episode.holdReason ?? 'no decision'}).`,
    ...decisions.filter((d) => d.action === 'rollback' && d.mode === 'enforce').map(ackInstruction),
  ];
  const title = decisions[0]
    ? `${actionVerb(decisions[0], context)} ${flagTarget(decisions[0].flag, decisions[0].target)} ${formatPercent(decisions[0].fromPercent)} → ${formatPercent(decisions[0].toPercent)}: ${what(episode, context)} after ${describeCandidatesShort(attribution!)}`
    : attribution
      ? `${what(episode, context)} after ${describeCandidatesShort(attribution)}: no rollback`
      : `${what(episode, context)}: no release correlates`;
  return {
    key: `episode/${episode.id}`,
    kind: 'episode',
    severity: severityOf(episode, decisions),
    time: intent.time,
    episodeId: episode.id,
    decisionIds: intent.decisionIds,
    // What was done first: a subject cut short (SNS: 100 characters) still says it.
    title: `[Stormguard] ${title}`,
    text: lines.join('\n'),
  };
}

/** "ConnectionCreationRate 2.04x expected on events-msk", "HeapMemoryAfterGC to 90% in 4 h 10 min on events-msk" */
function what(episode: Episode, context: AlertContext): string {
  const signal = episodeSignal(episode);
  const evidence = episode.attribution?.kind === 'attributed' ? episode.attribution.evidence : undefined;
  const msToLimit =
    evidence?.kind === 'heap' ? evidence.msToLimit : episode.first.kind === 'forecast' ? episode.first.msToLimit : undefined;
  if (msToLimit !== undefined)
    return `${signal} to its limit in ${Number.isFinite(msToLimit) ? formatDuration(msToLimit) : 'never at this slope'} on ${episode.cluster}`;
  // The release watch's factor, as its evidence line says it; the signal line's "x baseline" is the first anomalous point's.
  const effect = evidence ? formatFactor(evidence.factor ?? 1) : formatEffect(episode.first.effect, context.logScale(episode.first.signal));
  return `${signal} ${effect} on ${episode.cluster}`;
}

/**
 * critical: a decision, or a release found moving a signal (a deploy named, a heap forecast to its
 * limit within the horizon); warning: an anomaly no release explains (background detection, heap
 * forecasts included, never pages on its own: on real traffic it cries wolf).
 */
function severityOf(episode: Episode, decisions: readonly Decision[]): Alert['severity'] {
  return decisions.length > 0 || episode.attribution?.kind === 'attributed' ? 'critical' : 'warning';
}

function signalLine(episode: Episode, context: AlertContext): string {
  const { first } = episode;
  return (
    `Signal: ${first.label} = ${formatNumber(first.value)} against a baseline of ${formatNumber(first.baseline)} ` +
    `(${formatEffect(first.effect, context.logScale(first.signal))}, z ${first.z.toFixed(1)}${first.msToLimit !== undefined ? `, limit in ${formatDuration(first.msToLimit)}` : ''}), first anomalous at ${formatTime(first.time)}; ` +
    `${episode.series.length} series, signals ${episode.signals.join(', ')}.`
  );
}

function describeCandidatesShort(attribution: Extract<Episode['attribution'], { kind: 'attributed' }>): string {
  return describeCandidates({ release: attribution.release, others: attribution.others, evidence: attribution.evidence, series: [] });
}

/** "flag K in production (fallthrough) stepped 0% → 1% at 2025-08-28 14:00 UTC by someone" */
export function describeRelease(release: ReleaseEvent, options: { withTime: boolean } = { withTime: true }): string {
  const when = options.withTime ? ` at ${formatTime(release.time)}` : '';
  const by = release.by ? ` by ${release.by}` : '';
  if (release.kind === 'deploy') return `deploy ${release.service} ${release.version} to ${release.environment}${when}${by}`;
  return (
    `flag ${release.flag} in ${release.environment} (${targetLabel(release.target)}) stepped ` +
    `${formatPercent(release.fromPercent)} → ${formatPercent(release.toPercent)}${when}${by}`
  );
}

function actionVerb(decision: Decision, context: AlertContext): string {
  const outcome = context.outcomes.get(decision.id);
  if (decision.mode === 'observe') return `would ${decision.action === 'revert' ? 'revert' : 'roll back'}`;
  if (outcome?.status === 'failed') return `FAILED to ${decision.action === 'revert' ? 'revert' : 'roll back'}`;
  if (outcome?.status === 'awaiting-approval') return `requested approval to ${decision.action === 'revert' ? 'revert' : 'roll back'}`;
  return decision.action === 'revert' ? 'reverted' : 'rolled back';
}

function describeAction(decision: Decision, context: AlertContext): string {
  const outcome = context.outcomes.get(decision.id);
  const change = decision.turnOff ? 'turned off' : `${formatPercent(decision.fromPercent)} → ${formatPercent(decision.toPercent)}`;
  const frozen = decision.action === 'rollback' && decision.mode === 'enforce' ? ', frozen until acknowledged' : '';
  return `${actionVerb(decision, context)} ${flagTarget(decision.flag, decision.target)} in ${decision.environment} ${change} (${decision.mode} mode${frozen})${outcome ? `: ${outcome.detail}` : ''}.`;
}

function findEpisode(context: AlertContext, id: string): Episode {
  const episode = context.episodes.find((e) => e.id === id);
  if (!episode) throw new Error(`no episode ${id}`);
  return episode;
}
