/**
 * The alerts a run's effects send: their idempotency keys, which decisions each is about, and the
 * text of one owed by a run that stopped before saving its episode.
 */
import { type Alert, type AlertIntent, describeRelease, renderAlert, revertKey } from '../core/alert.ts';
import type { Decision, Outcome } from '../core/decision.ts';
import { formatFactor, formatPercent, formatTime } from '../core/format.ts';
import { flagTarget } from '../core/release.ts';

/** The alert's idempotency key: the same for this alert whichever run renders it. */
export function alertId(intent: AlertIntent): string {
  switch (intent.kind) {
    case 'episode':
      return `episode/${intent.episodeId}/${intent.decisionIds.length > 0 ? intent.decisionIds.join('+') : 'no-decision'}`;
    case 'resolved':
      return `resolved/${intent.episodeId}`;
    case 'reverted':
      return `reverted/${intent.decisionId}`;
    case 'blind':
    case 'sight-restored':
      return `${intent.kind}/${intent.cluster}/${intent.signal}/${new Date(intent.since).toISOString()}`;
  }
}

export function decisionIdsOf(intent: AlertIntent): readonly string[] {
  return intent.kind === 'episode' ? intent.decisionIds : intent.kind === 'reverted' ? [intent.decisionId] : [];
}

/** The alert a decision taken over from a stopped run is owed (that run's evaluation is gone). */
export function intentOf(decision: Decision): AlertIntent {
  return decision.action === 'revert' || !decision.episodeId
    ? { kind: 'reverted', time: decision.time, decisionId: decision.id }
    : { kind: 'episode', time: decision.time, episodeId: decision.episodeId, decisionIds: [decision.id] };
}

export function render(intent: AlertIntent, context: Parameters<typeof renderAlert>[1]): Alert {
  const id = alertId(intent);
  if (intent.kind === 'episode' && !context.episodes.some((e) => e.id === intent.episodeId)) {
    // Its run stopped before saving the episode: say what is known, from the decision.
    const decision = context.decisions.get(intent.decisionIds[0]!)!;
    return { ...decisionOnlyAlert(decision, context.outcomes.get(decision.id)), id };
  }
  return { ...renderAlert(intent, context), id };
}

function decisionOnlyAlert(decision: Decision, outcome: Outcome | undefined): Omit<Alert, 'id'> {
  const action = decision.action === 'revert' ? 'revert' : 'roll back';
  const verb =
    decision.mode === 'observe'
      ? `would ${action}`
      : outcome?.status === 'failed'
        ? `FAILED to ${action}`
        : outcome?.status === 'awaiting-approval'
          ? `requested approval to ${action}`
          : decision.action === 'revert'
            ? 'reverted'
            : 'rolled back';
  const step = `${formatPercent(decision.fromPercent)} → ${decision.turnOff ? 'off' : formatPercent(decision.toPercent)}`;
  const { signal, effect, release } = decision.evidence;
  const flag = flagTarget(decision.flag, decision.target);
  return {
    key: decision.episodeId ? `episode/${decision.episodeId}` : revertKey(decision),
    kind: decision.episodeId ? 'episode' : 'reverted',
    severity: 'critical',
    time: decision.time,
    ...(decision.episodeId ? { episodeId: decision.episodeId } : {}),
    decisionIds: [decision.id],
    title: `[Stormguard] ${verb} ${flag} ${step}${signal ? `: ${signal}${effect !== undefined ? ` ${formatFactor(effect)}` : ''}` : ''}`,
    text: [
      `Decision ${decision.id}, made ${formatTime(decision.time)}; the run that made it stopped before alerting, and a later run finished it.`,
      ...(release ? [`Release: ${describeRelease(release)}.`] : []),
      `Reason: ${decision.reason}.`,
      `Action: ${verb} ${flag} in ${decision.environment} ${step} (${decision.mode} mode)${outcome ? `: ${outcome.detail}` : ''}.`,
    ].join('\n'),
  };
}
