/**
 * What the commands read: the configuration (a file, or the embedded defaults) and bundled
 * scenarios (their definition and their exported files).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_SMALL_FILE_BYTES, readJson, readText } from '../lambdas/adapters/local/files.ts';
import { defaultConfig, type GuardrailConfig } from '../lambdas/core/config-schema.ts';
import { InputError, parseInput } from '../lambdas/core/errors.ts';
import { type Scenario, scenarioSchema } from '../lambdas/simulator/scenario.ts';
import { scenariosFolder } from './paths.ts';

export async function loadConfig(path: string | undefined): Promise<GuardrailConfig> {
  if (path === undefined) return defaultConfig();
  // The YAML reader is loaded only when there is a file to read.
  const { parseConfig } = await import('../lambdas/core/config.ts');
  return parseConfig(await readText(path, MAX_SMALL_FILE_BYTES), path);
}

export async function scenarioNames(): Promise<string[]> {
  const entries = await readdir(scenariosFolder, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** The folder of a bundled scenario, or an error that lists the bundled ones. */
async function scenarioFolder(name: string): Promise<string> {
  const names = await scenarioNames();
  if (!names.includes(name)) throw new InputError({ field: '--scenario' }, `no bundled scenario "${name}" (bundled: ${names.join(', ')})`);
  return join(scenariosFolder, name);
}

export async function loadScenario(name: string): Promise<Scenario> {
  const path = join(await scenarioFolder(name), 'scenario.json');
  return readScenario(await readJson(path, MAX_SMALL_FILE_BYTES), path);
}

/** A scenario's definition, checked: an InputError names the file and field. */
export function readScenario(document: unknown, path: string): Scenario {
  return parseInput(scenarioSchema, document, { file: path });
}

/** The exported files of a bundled scenario, as a user would pass them. */
export async function scenarioExports(name: string): Promise<{ metrics: string[]; timeline: string[] }> {
  const folder = await scenarioFolder(name);
  const files = (await readdir(folder)).sort();
  return {
    metrics: files.filter((f) => f.startsWith('metrics-')).map((f) => join(folder, f)),
    timeline: files.filter((f) => f === 'launchdarkly-audit-log.json' || f === 'deploys.json').map((f) => join(folder, f)),
  };
}
