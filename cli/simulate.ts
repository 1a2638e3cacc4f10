/** `stormguard simulate`: writes a scenario's exports (GetMetricData pages, audit log, deploys) to a folder. */

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { checkWritable, writeAtomically } from '../lambdas/adapters/local/files.ts';
import { InputError } from '../lambdas/core/errors.ts';
import { exportScenario } from '../lambdas/simulator/export.ts';
import { simulate } from '../lambdas/simulator/simulate.ts';
import { loadScenario, scenarioNames } from './inputs.ts';
import { type Io, numberOption, parseOptions } from './io.ts';

export const optionsSchema = z.object({
  scenario: z.string().optional(),
  all: z.boolean().optional(),
  out: z.string(),
  seed: numberOption('a whole number, such as 42').pipe(z.number().int('expected a whole number, such as 42')).optional(),
  force: z.boolean().optional(),
});

export function simulateCommand(io: Io): Command {
  return new Command('simulate')
    .description("write a bundled scenario's exports (the formats `replay` reads) to a folder")
    .addOption(new Option('--scenario <name>', 'the scenario to simulate').conflicts('all'))
    .option('--all', 'every bundled scenario, each into <out>/<name>/')
    .requiredOption('--out <folder>', 'where to write the files')
    .option('--seed <n>', 'a different seed: another world with the same parameters')
    .option('--force', 'replace the files of an earlier export in --out (default: refuse, so nothing of yours is overwritten)')
    .action(async (raw: unknown) => {
      const options = parseOptions(optionsSchema, raw);
      if (!options.scenario && !options.all) throw new InputError({ field: '--scenario' }, 'name a scenario, or pass --all');
      const names = options.all ? await scenarioNames() : [options.scenario!];
      const written: Array<{ name: string; folder: string; files: Record<string, unknown> }> = [];
      for (const name of names) {
        const scenario = await loadScenario(name);
        const seeded = options.seed === undefined ? scenario : { ...scenario, seed: options.seed };
        const folder = options.all ? join(options.out, name) : options.out;
        written.push({ name, folder, files: exportScenario(seeded, simulate(seeded)).files });
      }
      // Every path is checked before any file is written: a refusal leaves nothing half-exported.
      for (const { folder, files } of written) for (const file of Object.keys(files)) await checkTarget(join(folder, file), options.force);
      for (const { name, folder, files } of written) {
        for (const [file, document] of Object.entries(files)) {
          // Four-space indentation, as the AWS CLI prints JSON.
          await writeAtomically(join(folder, file), `${JSON.stringify(document, null, 4)}\n`);
        }
        io.out(`${name}: wrote ${Object.keys(files).join(', ')} to ${folder}\n`);
      }
    });
}

/** A file of the export can be written there, and replaces none unless --force says so. */
async function checkTarget(path: string, force: boolean | undefined): Promise<void> {
  await checkWritable(path);
  if (!force && (await stat(path).catch(() => undefined)))
    throw new InputError({ file: path }, 'exists: name a new or empty folder with --out, or pass --force to replace the export there');
}
