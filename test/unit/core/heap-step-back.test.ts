import { describe, expect, it } from 'vitest';
import { MINUTE, runWorld, step, type World, wobble } from './evaluation-fixtures.ts';

const SIGNALS = ['ConnectionCreationRate', 'HeapMemoryAfterGC'];
const STEPS = [step(200, 0, 1), step(320, 1, 5), step(440, 5, 25)];

/**
 * A heap-only storm, closed loop: producer IDs held for a day, so the heap climbs `perPercent(percent)`
 * points an hour at the flag's percentage and keeps what it gained after a rollback; `before` is
 * the heap's own course before the flag's first step. Connections do not move.
 */
function heapStorm(perPercent: (percent: number) => number, before: (minute: number) => number = () => 0): World {
  const gained = [0];
  return (signal, m, b, percent) => {
    while (gained.length <= m) gained.push(gained.at(-1)! + perPercent(percent) / 60);
    return signal === 'HeapMemoryAfterGC' ? 40 + before(m) + gained[m]! + 0.3 * Math.sin(m * 0.7 + b) : 10 * wobble(m, b);
  };
}

const summary = (decisions: ReturnType<typeof runWorld>['decisions']) =>
  decisions.map((d) => [d.fromPercent, d.toPercent, d.evidence.watch?.kind, d.evidence.watch?.purpose]);

describe("a heap-only storm over a flag's steps", () => {
  it('is judged early at the step after one whose heap climbed, and stepped back to 0 while its climb persists', () => {
    // 0.6 points an hour per 1%: at 5% a climb of 3 an hour, 14 h from the limit; at 25%, 15 an hour.
    const { decisions } = runWorld(
      560,
      heapStorm((p) => 0.6 * p),
      SIGNALS,
      STEPS,
      { roundTrip: true },
    );
    expect(summary(decisions)).toEqual([
      [25, 5, 'heap', 'step'],
      [5, 0, 'heap', 'excess'],
    ]);
    // From a third of the hour on: the 5% step's climb is the dose the 25% step answers to.
    expect(decisions[0]!.time).toBeLessThan((440 + 30) * MINUTE);
    // Over fewer than the hour's 60 periods, a steeper change of slope is asked.
    const { periods, threshold } = decisions[0]!.evidence.watch!;
    expect(periods!).toBeLessThan(30);
    expect(threshold!).toBeCloseTo((60 / periods!) ** 1.5, 1);
    expect(decisions[0]!.reason).toMatch(/a change of ≥ \d+(\.\d+)? asked over \d+ periods/);
  });

  it('is judged over the full hour where no earlier step of the flag climbed', () => {
    const { decisions } = runWorld(
      560,
      heapStorm((p) => (p >= 25 ? 15 : 0)),
      SIGNALS,
      STEPS,
    );
    expect(summary(decisions)[0]).toEqual([25, 5, 'heap', 'step']);
    expect(decisions[0]!.time).toBeGreaterThanOrEqual((440 + 60) * MINUTE);
  });

  it('steps back on the climb left at the lower percentage, against a flat heap, though the heap rose before the first step', () => {
    // The morning's rise of 1.5 points an hour ends at the flag's first step; the flag climbs 2 an hour per 1%.
    const morning = (m: number) => (Math.min(m, 200) - 80) * (m > 80 ? 1.5 / 60 : 0);
    const { decisions } = runWorld(
      480,
      heapStorm((p) => 2 * p, morning),
      SIGNALS,
      STEPS.slice(0, 2),
    );
    expect(summary(decisions)).toEqual([
      [5, 1, 'heap', 'step'],
      [1, 0, 'heap', 'excess'],
    ]);
    expect(decisions[1]!.time - decisions[0]!.time).toBeLessThan(70 * MINUTE);
    expect(decisions[1]!.reason).toMatch(/climbing 2(\.\d+)? points\/h since .* \(after the rollback; ≥ 1(\.0+)? asked over \d+ periods\)/);
  });
});
