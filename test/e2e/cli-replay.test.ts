import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenariosFolder } from '../../cli/paths.ts';
import { newFolder, type ReplayJson, replayJson, stormguard } from '../support/cli.ts';

const expected = async (name: string) => JSON.parse(await readFile(join(scenariosFolder, name, 'scenario.json'), 'utf8')).expected;
const rollbacks = (result: Awaited<ReturnType<typeof replayJson>>) => result.decisions.filter((d) => d.action === 'rollback');
/** `replay --json` of the bundled storm's metric pages as a user's export, with `timeline`. */
const replayStormExport = (timeline: string, ...extra: string[]) => {
  const folder = join(scenariosFolder, 'pagerduty-2025');
  const pages = [join(folder, 'metrics-page-1.json'), join(folder, 'metrics-page-2.json')];
  return stormguard('replay', '--metrics', ...pages, '--timeline', timeline, '--json', ...extra);
};

describe('stormguard replay: the bundled scenarios end as written down', () => {
  it('pagerduty-2025: one rollback of the storm flag at its first visible step, within two periods, back to the previous step', async () => {
    const want = await expected('pagerduty-2025');
    const result = await replayJson('pagerduty-2025');
    const done = rollbacks(result);
    expect(done.map((d) => ({ flag: d.flag, fromPercent: d.fromPercent, toPercent: d.toPercent }))).toEqual(want.rollbacks);
    const rollback = done[0]!;
    expect(rollback).toMatchObject({ mode: 'enforce', environment: 'production', outcome: { status: 'applied' } });
    const first = Date.parse(result.firstAnomaly!.time);
    expect(first).toBeGreaterThanOrEqual(Date.parse(want.firstAnomalyAfter));
    const periods = (Date.parse(rollback.time) - first) / (result.periodSeconds * 1000);
    expect(periods).toBeLessThanOrEqual(want.maxPeriodsAfterFirstAnomaly);
    const alert = result.alerts.find((a) => a.kind === 'episode')!;
    for (const name of want.alertNames) expect(`${alert.title}\n${alert.text}`).toContain(name);
    expect(alert.text).toMatch(/rolled back checkout-producer-per-request in production 1% → 0%/);
    expect(result.withoutGuardrail !== null).toBe(want.heapExhaustedWithoutGuardrail);
    expect(result.leadTimeSeconds).toBeGreaterThan(3600);
  });

  it('pagerduty-2025: later step-ups of the frozen flag are reverted, not rolled back again', async () => {
    const result = await replayJson('pagerduty-2025');
    expect(result.decisions.filter((d) => d.action === 'revert').map((d) => [d.fromPercent, d.toPercent])).toEqual([
      [5, 0],
      [25, 0],
      [75, 0],
    ]);
  });

  it('benign-rollout: no episode, no rollback', async () => {
    const want = await expected('benign-rollout');
    const result = await replayJson('benign-rollout');
    expect(rollbacks(result)).toEqual(want.rollbacks);
    expect(result.episodes).toHaveLength(want.episodes);
    expect(result.alerts).toEqual([]);
  });

  it('traffic-surge: an alert that no release correlates, and no rollback', async () => {
    const want = await expected('traffic-surge');
    const result = await replayJson('traffic-surge');
    expect(rollbacks(result)).toEqual(want.rollbacks);
    expect(result.episodes.length).toBeGreaterThanOrEqual(want.minEpisodes);
    expect(result.episodes.map((e) => e.attribution?.kind)).toEqual(result.episodes.map(() => want.attribution));
    expect(result.alerts.find((a) => a.kind === 'episode')!.text).toContain('no release correlates');
  });

  it('heap-climb-after-deploy: attributed to the deploy, not the flag stepped during the climb; no rollback', async () => {
    const want = await expected('heap-climb-after-deploy');
    const result = await replayJson('heap-climb-after-deploy');
    expect(rollbacks(result)).toEqual(want.rollbacks);
    expect(result.episodes.length).toBeGreaterThanOrEqual(want.minEpisodes);
    expect(result.episodes[0]!.attribution).toMatchObject({
      kind: 'attributed',
      release: { kind: 'deploy', service: want.attributedTo.deploy },
    });
    expect(result.episodes[0]!.holdReason).toMatch(/deploy/);
  });

  it('signal-outage: blind for the signal that stopped, and no rollback', async () => {
    const want = await expected('signal-outage');
    const result = await replayJson('signal-outage');
    expect(rollbacks(result)).toEqual(want.rollbacks);
    const blind = result.alerts.filter((a) => a.kind === 'blind');
    expect(blind.map((a) => a.title)).toEqual(want.blind.map((signal: string) => expect.stringContaining(`Blind: ${signal}`)));
  });

  it('gives the same output every time', async () => {
    const [a, b] = await Promise.all([replayJson('pagerduty-2025'), replayJson('pagerduty-2025')]);
    const strip = (r: object) => JSON.stringify(r).replaceAll(/stormguard-cli-[^/"]+/g, '');
    expect(strip(a)).toBe(strip(b));
  });

  it('records but does not act in observe mode: each step that made the storm worse, a recommendation of its own', async () => {
    const result = await replayJson('pagerduty-2025', '--mode', 'observe');
    const recommended = rollbacks(result);
    expect(recommended.map((d) => [d.fromPercent, d.toPercent])).toEqual([
      [1, 0],
      [5, 1],
      [25, 5],
      [75, 25],
    ]);
    for (const d of recommended) expect(d).toMatchObject({ mode: 'observe', outcome: { status: 'observed' } });
    expect(result.decisions.filter((d) => d.action === 'revert')).toEqual([]);
  });

  it('reads a user export with a configuration file', async () => {
    const folder = join(scenariosFolder, 'pagerduty-2025');
    const config = join(await newFolder(), 'stormguard.config.yaml');
    await (await import('node:fs/promises')).writeFile(config, 'mode: enforce\nrollback:\n  to: zero\n');
    const state = join(await newFolder(), 'state');
    const { code, out } = await replayStormExport(join(folder, 'launchdarkly-audit-log.json'), '--config', config, '--state', state);
    expect(code).toBe(0);
    expect(JSON.parse(out).decisions[0]).toMatchObject({ action: 'rollback', toPercent: 0 });
    const alerts = (await readFile(join(state, 'alerts.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(alerts[0]).toMatchObject({ kind: 'episode', severity: 'critical' });
  });

  it("a configured environment no release is in (`prod` against LaunchDarkly's `production`): the storm is unexplained, and the replay says why", async () => {
    const config = join(await newFolder(), 'stormguard.config.yaml');
    await (await import('node:fs/promises')).writeFile(config, 'environment: prod\n');
    const result = await replayJson('pagerduty-2025', '--config', config);
    expect(result.decisions).toEqual([]);
    expect(result.warnings).toContain(
      '4 of 4 rollout steps are in environment "production", not the guarded "prod": never watched nor rolled back (the guarded environment is `environment` in the configuration)',
    );
  });

  it('a bundled scenario with a configured LaunchDarkly project: its own audit log is read all the same, open and closed loop', async () => {
    const config = join(await newFolder(), 'stormguard.config.yaml');
    await writeFile(config, 'launchDarkly: { projectKey: shop }\n');
    for (const loop of [[], ['--closed-loop']]) {
      const result = await replayJson('pagerduty-2025', '--config', config, ...loop);
      expect(rollbacks(result), loop.join(' ')).toHaveLength(1);
      expect(result.warnings.filter((w) => w.includes('not shop'))).toEqual([]);
    }
  });

  it('an episode explained quietly (a step-up of the frozen flag, its revert already paged) is not marked alerted: no "resolved" follows it', async () => {
    const state = join(await newFolder(), 'state');
    expect((await stormguard('replay', '--state', state)).code).toBe(0);
    const { episodes } = JSON.parse(await readFile(join(state, 'state.json'), 'utf8')) as {
      episodes: Array<{ id: string; alertedAt?: number; holdReason?: string }>;
    };
    const quiet = episodes.filter((e) => e.holdReason?.includes('is frozen at 0%'));
    expect(quiet.map((e) => e.id.split('/')[1])).toEqual(['ClientConnectionCount', 'ConnectionCount']);
    expect(quiet.map((e) => e.alertedAt)).toEqual([undefined, undefined]);
  });

  it("another day's timeline (none of its releases within the datapoints): the storm is unexplained, and the replay says why", async () => {
    const folder = join(scenariosFolder, 'pagerduty-2025');
    const audit = JSON.parse(await readFile(join(folder, 'launchdarkly-audit-log.json'), 'utf8')) as Array<{ date: number }>;
    const dayLater = join(await newFolder(), 'audit.json');
    await writeFile(dayLater, JSON.stringify(audit.map((entry) => ({ ...entry, date: entry.date + 86_400_000 }))));
    const { code, out } = await replayStormExport(dayLater, '--state', join(await newFolder(), 'state'));
    expect(code).toBe(0);
    const result = JSON.parse(out) as ReplayJson;
    expect(result.decisions).toEqual([]);
    expect(result.warnings).toContain(
      'no release of the timeline (2025-08-29T14:00:00.000Z .. 2025-08-29T17:00:00.000Z) falls within the datapoints (2025-08-28T08:00:00.000Z .. 2025-08-28T18:48:00.000Z): none can be watched from its minute on (the audit log of another day?)',
    );
  });

  it('prints the story for people: steps, first anomaly, rollback, alert, and what happened without it', async () => {
    const { code, out } = await stormguard('replay', '--state', join(await newFolder(), 'state'));
    expect(code).toBe(0);
    for (const heading of [
      'Release timeline',
      'First anomalous datapoint',
      'Detection',
      'Decisions',
      'Alerts',
      'Without a guardrail (the same data)',
    ]) {
      expect(out).toContain(`\n${heading}\n`);
    }
    expect(out).toMatch(/ROLLBACK checkout-producer-per-request in production 1% → 0%/);
    expect(out).toMatch(/lead time gained by the rollback: \d+ h/);
  });
});

describe('stormguard replay --closed-loop', () => {
  it('replays the storm with the rollback applied: one rollback, the episode resolves, the heap never runs out', async () => {
    const result = (await replayJson('pagerduty-2025', '--closed-loop')) as Awaited<ReturnType<typeof replayJson>> & {
      closedLoop: boolean;
      heapPeak: { value: number };
    };
    expect(result.closedLoop).toBe(true);
    expect(result.decisions.map((d) => [d.action, d.fromPercent, d.toPercent])).toEqual([['rollback', 1, 0]]);
    expect(result.alerts.map((a) => a.kind)).toEqual(['episode', 'resolved']);
    expect(result.withoutGuardrail).not.toBeNull();
    expect(result.heapPeak.value).toBeLessThan(60);
    expect(result.leadTimeSeconds).toBeGreaterThan(3600);
  });

  it('needs a bundled scenario', async () => {
    const { code, err } = await stormguard('replay', '--metrics', 'm.json', '--closed-loop');
    expect(code).toBe(2);
    expect(err).toMatch(/--closed-loop`: needs a bundled scenario/);
  });
});

describe('stormguard replay: bad input is explained, not thrown', () => {
  const noStack = (err: string) => expect(err).not.toMatch(/\n\s+at /);

  it('a file that does not exist', async () => {
    const { code, err } = await stormguard('replay', '--metrics', 'nope.json');
    expect(code).toBe(2);
    expect(err).toBe('stormguard: nope.json: no such file\n');
  });

  it('malformed JSON, by line and column', async () => {
    const path = join(await newFolder(), 'metrics.json');
    await (await import('node:fs/promises')).writeFile(
      path,
      '{\n  "MetricDataResults": [\n    { "Id": "m1", "Values": [1, NaN] }\n  ]\n}\n',
    );
    const { code, err } = await stormguard('replay', '--metrics', path);
    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`^stormguard: ${path}, line 3, column 33: not valid JSON`));
    noStack(err);
  });

  it('an unknown configuration key, by field and line', async () => {
    const path = join(await newFolder(), 'config.yaml');
    await (await import('node:fs/promises')).writeFile(path, 'mode: enforce\nthreshold: 3\n');
    const { code, err } = await stormguard('replay', '--config', path);
    expect(code).toBe(2);
    expect(err).toMatch(/config\.yaml, line 2: field `threshold`: unknown key \(expected one of: mode, environment/);
    noStack(err);
  });

  it('an unknown scenario, listing the bundled ones', async () => {
    const { code, err } = await stormguard('replay', '--scenario', 'nope');
    expect(code).toBe(2);
    expect(err).toMatch(/no bundled scenario "nope" \(bundled: benign-rollout, heap-climb-after-deploy, pagerduty-2025/);
  });

  it('a state folder that is not empty, which it will not overwrite', async () => {
    const folder = await newFolder();
    await (await import('node:fs/promises')).writeFile(join(folder, 'precious.txt'), 'keep me');
    const { code, err } = await stormguard('replay', '--state', folder);
    expect(code).toBe(2);
    expect(err).toMatch(/is not empty/);
  });

  it('an unknown option', async () => {
    const { code, err } = await stormguard('replay', '--frobnicate');
    expect(code).toBe(2);
    expect(err).toMatch(/unknown option '--frobnicate'/);
  });
});
