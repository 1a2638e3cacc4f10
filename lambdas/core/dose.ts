/**
 * Dose and response: a flag's effect scales with the share of requests it serves. After the
 * guardrail steps a flag back, what is the flag's falls with the percentage (at half the
 * percentage, half the excess over the flag's baseline, or less); an excess that stays where it
 * was is something else's (traffic, a burst that came with the step), and steps nothing back
 * further. The bound leaves room for noise over the smallest step-down of a rollout (100% → 50%:
 * half the excess). Fast signals only: a heap's hourly slope cannot resolve it (heap-watch.ts).
 */
export const DOSE_DROP = 0.75;

/** Whether a fast signal's excess factor now fell with the percentage from `before` (both log ratios over the flag's baseline). */
export function fellWithDose(before: number | undefined, now: number): boolean {
  return before === undefined || Math.expm1(now) <= DOSE_DROP * Math.expm1(before);
}
