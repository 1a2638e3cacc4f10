import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioNames } from '../../../cli/inputs.ts';
import { scenariosFolder } from '../../../cli/paths.ts';
import { exportScenario } from '../../../lambdas/simulator/export.ts';
import { parseScenario } from '../../../lambdas/simulator/scenario.ts';
import { simulate } from '../../../lambdas/simulator/simulate.ts';

const load = async (name: string) => parseScenario(JSON.parse(await readFile(join(scenariosFolder, name, 'scenario.json'), 'utf8')));
const HOUR = 3_600_000;

describe('simulate', () => {
  it('is deterministic for a seed, and another seed is another world', async () => {
    const scenario = await load('benign-rollout');
    expect(simulate(scenario)).toEqual(simulate(scenario));
    expect(simulate({ ...scenario, seed: scenario.seed + 1 }).series[0]!.values).not.toEqual(simulate(scenario).series[0]!.values);
  });

  it('reaches 84 times the typical new-producer rate at the top step of the 2025 storm, 4.2 million extra an hour', async () => {
    const scenario = await load('pagerduty-2025');
    const { producers } = simulate(scenario);
    const top = Date.parse('2025-08-28T17:00:00Z');
    const hour = producers.times.map((t, i) => i).filter((i) => producers.times[i]! >= top && producers.times[i]! < top + HOUR);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const factor = mean(hour.map((i) => producers.total[i]!)) / mean(hour.map((i) => producers.typical[i]!));
    const extraPerHour = mean(hour.map((i) => producers.total[i]! - producers.typical[i]!)) * 3600;
    expect(factor).toBeGreaterThan(80);
    expect(factor).toBeLessThan(88);
    expect(extraPerHour / 1e6).toBeCloseTo(4.2, 0);
  });

  it('runs a broker out of heap after the top step, then the others, as the load shifts', async () => {
    const { failures } = simulate(await load('pagerduty-2025'));
    expect(failures.length).toBeGreaterThan(1);
    expect(failures[0]!.time).toBeGreaterThan(Date.parse('2025-08-28T17:00:00Z'));
    // Each failure moves state to fewer brokers, so the next one comes sooner than the first took.
    expect(failures.at(-1)!.time - failures[0]!.time).toBeLessThan(failures[0]!.time - Date.parse('2025-08-28T17:00:00Z'));
  });

  it('keeps every broker alive in a rollout that creates no producers', async () => {
    expect(simulate(await load('benign-rollout')).failures).toEqual([]);
  });

  it('stops the signal that goes dark, and only it', async () => {
    const scenario = await load('signal-outage');
    const { series } = simulate(scenario);
    const from = Date.parse('2025-10-20T13:20:00Z');
    for (const s of series) {
      const after = s.times.filter((t) => t >= from).length;
      expect(after === 0).toBe(s.signal === 'ConnectionCreationRate');
    }
  });

  it('matches the exports bundled in scenarios/ (run `npm run scenarios` after changing the simulator)', async () => {
    for (const name of await scenarioNames()) {
      const scenario = await load(name);
      const { files } = exportScenario(scenario, simulate(scenario));
      for (const [file, document] of Object.entries(files)) {
        const bundled = await readFile(join(scenariosFolder, name, file), 'utf8');
        expect(bundled, `${name}/${file}`).toBe(`${JSON.stringify(document, null, 4)}\n`);
      }
    }
  });
});
