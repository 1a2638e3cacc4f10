import { describe, expect, it } from 'vitest';
import { InputError } from '../../../lambdas/core/errors.ts';
import { servedPercent } from '../../../lambdas/formats/launchdarkly.ts';
import { weightsForPercent } from '../../../lambdas/formats/rollout-weights.ts';
import { readTimeline } from '../../../lambdas/formats/timeline.ts';
import { auditEntry, flagVersion, stepEntry } from '../../support/fixtures.ts';

/** Audit entries' dates: epoch milliseconds within the plausible window. */
const T = Date.parse('2025-01-01T00:00:00Z');
const read = (document: unknown) => readTimeline([{ source: 'timeline.json', document }]);

describe('rollout steps from LaunchDarkly audit entries', () => {
  it('reads a step from the fallthrough rollout weights before and after', () => {
    const { events } = read([stepEntry('a1', T + 1000, 'storm', 1, 5)]);
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'rollout-step',
        flag: 'storm',
        environment: 'production',
        fromPercent: 1,
        toPercent: 5,
        target: { kind: 'fallthrough' },
        by: 'someone@example.com',
        time: T + 1000,
      }),
    ]);
  });

  it('orders by date and drops repeated deliveries of the same entry', () => {
    const { events } = read([
      stepEntry('b', T + 2000, 'f', 5, 25),
      stepEntry('a', T + 1000, 'f', 1, 5),
      stepEntry('b', T + 2000, 'f', 5, 25),
    ]);
    expect(events.map((e) => e.time)).toEqual([T + 1000, T + 2000]);
  });

  it('ignores changes that move no weight', () => {
    const same = flagVersion('f', { production: { weights: [5000, 95000] } });
    expect(read([auditEntry('x', T + 1, same, same)]).events).toEqual([]);
  });

  it('reads turning a flag off as a step to 0%', () => {
    const before = flagVersion('f', { production: { weights: [25000, 75000] } });
    const after = flagVersion('f', { production: { on: false, weights: [25000, 75000] } });
    expect(read([auditEntry('off', T + 1, before, after)]).events[0]).toMatchObject({ fromPercent: 25, toPercent: 0 });
  });

  it('reads steps per environment and per rule', () => {
    const rule = (weight: number) => ({
      _id: 'rule-eu',
      rollout: {
        variations: [
          { variation: 0, weight },
          { variation: 1, weight: 100000 - weight },
        ],
      },
    });
    const before = flagVersion('f', { production: { weights: [0, 100000], rules: [rule(10000)] }, staging: { weights: [0, 100000] } });
    const after = flagVersion('f', { production: { weights: [0, 100000], rules: [rule(50000)] }, staging: { weights: [100000, 0] } });
    const { events } = read([auditEntry('r', T + 1, before, after)]);
    expect(events.map((e) => e.kind === 'rollout-step' && [e.environment, e.target, e.fromPercent, e.toPercent])).toEqual(
      expect.arrayContaining([
        ['production', { kind: 'rule', ruleId: 'rule-eu' }, 10, 50],
        ['staging', { kind: 'fallthrough' }, 0, 100],
      ]),
    );
  });

  it('accepts an audit-log page ({ items }) and skips entries about other resources', () => {
    const { events } = read({ items: [stepEntry('a', T + 1, 'f', 0, 1), { ...stepEntry('m', T + 2, 'f', 0, 1), kind: 'member' }] });
    expect(events).toHaveLength(1);
  });

  it('leaves out, with a warning, a change in another project: flag and environment keys are only unique within one', () => {
    const inProject = (id: string, resources: string[], accesses: string[] = []) => ({
      ...stepEntry(id, T + 1000, 'storm', 1, 5),
      target: { name: 'A flag', resources },
      accesses: accesses.map((resource) => ({ action: 'updateFallthrough', resource })),
    });
    const documents = [
      inProject('mine', ['proj/shop:env/production:flag/storm']),
      inProject('theirs', ['proj/mobile-app:env/production:flag/storm']),
      inProject('accesses-only', [], ['proj/mobile-app;team-a:env/production:flag/storm']),
      stepEntry('unscoped', T + 2000, 'storm', 5, 25),
    ];
    const { events, warnings } = readTimeline([{ source: 'timeline.json', document: documents }], { project: 'shop' });
    expect(events.map((e) => e.id.split('/')[0])).toEqual(['mine', 'unscoped']);
    expect(warnings).toEqual([
      'timeline.json: [1] (theirs) is a change in project mobile-app, not shop: left out',
      'timeline.json: [2] (accesses-only) is a change in project mobile-app, not shop: left out',
    ]);
    // With no project configured, every entry is read, and the projects' mix is said.
    const unscoped = readTimeline([{ source: 'timeline.json', document: documents }]);
    expect(unscoped.events).toHaveLength(4);
    expect(unscoped.warnings).toEqual([
      'the timeline holds changes in 2 LaunchDarkly projects (mobile-app, shop) and no launchDarkly.projectKey is configured: flags of the same key in them are read as one; set it to the guarded project',
    ]);
    // One project, or none named: nothing to say.
    expect(readTimeline([{ source: 'timeline.json', document: [documents[0], documents[3]] }]).warnings).toEqual([]);
  });

  it('warns about entries listed without their versions', () => {
    const { events, warnings } = read([{ ...stepEntry('a', T + 1, 'f', 0, 1), previousVersion: undefined }]);
    expect(events).toEqual([]);
    expect(warnings[0]).toMatch(/\[0\] \(a\) has no previousVersion/);
  });

  it('names the field of a malformed entry', () => {
    const bad = stepEntry('a', T + 1, 'f', 0, 1) as { currentVersion: { environments: Record<string, { fallthrough: unknown }> } };
    bad.currentVersion.environments.production!.fallthrough = { rollout: { variations: [{ variation: 0, weight: 'lots' }] } };
    expect(() => read([bad])).toThrow(InputError);
    expect(() => read([bad])).toThrow(
      /timeline\.json: field `\[0\]\.currentVersion\.environments\.production\.fallthrough\.rollout\.variations\[0\]\.weight`/,
    );
  });
});

describe('deploy events', () => {
  it('reads deploys beside flag steps, in time order', () => {
    const { events } = read([
      stepEntry('a', Date.parse('2025-01-01T12:00:00Z'), 'f', 0, 1),
      { id: 'd1', time: '2025-01-01T11:00:00Z', service: 'api', version: '1.2.3', environment: 'production' },
    ]);
    expect(events.map((e) => e.kind)).toEqual(['deploy', 'rollout-step']);
  });

  it('names the field of a bad time', () => {
    expect(() => read([{ id: 'd1', time: 'yesterday', service: 'api', version: '1', environment: 'production' }])).toThrow(
      /field `\[0\]\.time`: expected an ISO 8601 time/,
    );
  });

  it('names the field a misspelt key left missing', () => {
    expect(() => read([{ id: 'd1', time: '2025-01-01T11:00:00Z', service: 'api', verison: '1.2', environment: 'production' }])).toThrow(
      /field `\[0\]\.version`/,
    );
  });

  it('rejects what is neither', () => {
    expect(() => read([{ hello: 'world' }])).toThrow(/expected a LaunchDarkly audit-log entry/);
  });
});

describe('rollout arithmetic', () => {
  it('gives 5% as 5000 / 95000 thousandths, summing to 100000', () => {
    expect(
      weightsForPercent(
        [
          { variation: 0, weight: 25000 },
          { variation: 1, weight: 75000 },
        ],
        1,
        5,
      ),
    ).toEqual([
      { variation: 0, weight: 5000 },
      { variation: 1, weight: 95000 },
    ]);
  });

  it('keeps the proportions of several treatments and sums exactly', () => {
    const weights = weightsForPercent(
      [
        { variation: 0, weight: 20000 },
        { variation: 1, weight: 60000 },
        { variation: 2, weight: 10000 },
      ],
      1,
      7.777,
    );
    expect(weights.reduce((sum, w) => sum + w.weight, 0)).toBe(100000);
    expect(weights.find((w) => w.variation === 0)!.weight / weights.find((w) => w.variation === 2)!.weight).toBeCloseTo(2, 2);
  });

  it('reads the served percentage of a fixed variation and of a flag that is off', () => {
    expect(servedPercent({ on: true, offVariation: 1, fallthrough: { variation: 0 } }, { kind: 'fallthrough' })).toBe(100);
    expect(servedPercent({ on: false, offVariation: 1, fallthrough: { variation: 0 } }, { kind: 'fallthrough' })).toBe(0);
  });
});

describe('bad timeline input: an error naming the field, never a wrong step or time', () => {
  const step = () =>
    stepEntry('a', T, 'f', 0, 1) as ReturnType<typeof stepEntry> & {
      currentVersion: { variations: unknown[]; environments: Record<string, Record<string, unknown>> };
    };

  it('refuses rollout weights that do not sum to 100000 (150,000 read as a step to 150%)', () => {
    const entry = step();
    entry.currentVersion.environments.production!.fallthrough = {
      rollout: {
        variations: [
          { variation: 0, weight: 100000 },
          { variation: 1, weight: 50000 },
        ],
      },
    };
    expect(() => read([entry])).toThrow(
      'timeline.json: field `[0].currentVersion.environments.production.fallthrough.rollout.variations`: the weights sum to 150000, not 100000 (100%)',
    );
  });

  it("refuses a variation index beyond the flag's variations (an off variation of 5 read as 100%)", () => {
    const entry = step();
    entry.currentVersion.environments.production!.offVariation = 5;
    expect(() => read([entry])).toThrow(
      "field `[0].currentVersion.environments.production.offVariation`: variation 5 is not one of the flag's 2 variations (0..1)",
    );
    const rollout = step();
    rollout.currentVersion.environments.production!.fallthrough = {
      rollout: {
        variations: [
          { variation: 0, weight: 1000 },
          { variation: 7, weight: 99000 },
        ],
      },
    };
    expect(() => read([rollout])).toThrow(
      /field `\[0\]\.currentVersion\.environments\.production\.fallthrough\.rollout\.variations\[1\]\.variation`: variation 7 is not one/,
    );
  });

  it('refuses an audit entry dated in seconds or before 2006, naming `date`', () => {
    expect(() => read([stepEntry('a', T / 1000, 'f', 0, 1)])).toThrow(
      'timeline.json: field `[0].date`: 1735689600 looks like epoch seconds (2025-01-01T00:00:00Z); expected epoch milliseconds',
    );
    expect(() => read([stepEntry('a', 1, 'f', 0, 1)])).toThrow(
      /field `\[0\]\.date`: 1 \(epoch milliseconds\) is outside the plausible window/,
    );
  });

  it('refuses deploy times that are not times: "0" (once 2000-01-01), epoch seconds (once January 1970), a year 2200', () => {
    const deploy = (time: unknown) => [{ id: 'd1', time, service: 'api', version: '1', environment: 'production' }];
    expect(() => read(deploy('0'))).toThrow(
      'timeline.json: field `[0].time`: expected an ISO 8601 time such as 2025-08-28T14:00:00Z or epoch milliseconds, got "0"',
    );
    expect(() => read(deploy(1756389600))).toThrow(
      'field `[0].time`: 1756389600 looks like epoch seconds (2025-08-28T14:00:00Z); expected epoch milliseconds',
    );
    expect(() => read(deploy('2200-01-01T00:00:00Z'))).toThrow(
      /field `\[0\]\.time`: "2200-01-01T00:00:00Z" is outside the plausible window/,
    );
    expect(read(deploy(1756389600000)).events[0]!.time).toBe(1756389600000);
  });

  it("reads an environment named constructor or toString as an environment, not as Object.prototype's", () => {
    const weights = (treatment: number): { weights: [number, number] } => ({ weights: [treatment, 100000 - treatment] });
    const before = flagVersion('f', { production: weights(0) });
    const after = flagVersion('f', { production: weights(0), constructor: weights(5000), toString: weights(5000) });
    expect(read([auditEntry('e', T, before, after)]).events).toEqual([]);
    const stepped = read([
      auditEntry('e', T, flagVersion('f', { constructor: weights(5000) }), flagVersion('f', { constructor: weights(25000) })),
    ]);
    expect(stepped.events).toMatchObject([{ environment: 'constructor', fromPercent: 5, toPercent: 25 }]);
  });

  it('refuses an empty flag or environment key (the fuzz tier found steps of flag "" accepted)', () => {
    expect(() => read([stepEntry('a', T, '', 0, 1)])).toThrow(/field `\[0\]\.previousVersion\.key`: Too small/);
    expect(() => read([stepEntry('a', T, 'f', 0, 1, '')])).toThrow(
      'timeline.json: field `[0].previousVersion.environments.`: key "": Too small: expected string to have >=1 characters',
    );
  });

  it('bounds names: a flag key or an id of more than 256 characters is an error', () => {
    expect(() => read([stepEntry('a', T, 'f'.repeat(300), 0, 1)])).toThrow(/field `\[0\]\.previousVersion\.key`: Too big/);
    expect(() => read([{ id: 'd'.repeat(300), time: T, service: 'api', version: '1', environment: 'production' }])).toThrow(
      /field `\[0\]\.id`/,
    );
  });
});
