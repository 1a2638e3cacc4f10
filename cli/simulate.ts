/** `stormguard simulate`: writes a scenario's exports (GetMetricData pages, audit log, deploys) to a folder. */

import { join } from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { writeAtomically } from '../lambdas/adapters/local/files.ts';
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
});

export function simulateCommand(io: Io): Command {
  return new Command('simulate')
    .description("write a bundled scenario's exports (the formats `replay` reads) to a folder")
    .addOption(new Option('--scenario <name>', 'the scenario to simulate').conflicts('all'))
    .option('--all', 'every bundled scenario, each into <out>/<name>/')
    .requiredOption('--out <folder>', 'where to write the files')
    .option('--seed <n>', 'a different seed: another world with the same parameters')
    .action(async (raw: unknown) => {
      const options = parseOptions(optionsSchema, raw);
      if (!options.scenario && !options.all) throw new InputError({ field: '--scenario' }, 'name a scenario, or pass --all');
      const names = options.all ? await scenarioNames() : [options.scenario!];
      for (const name of names) {
        const scenario = await loadScenario(name);
        const seeded = options.seed === undefined ? scenario : { ...scenario, seed: options.seed };
        const folder = options.all ? join(options.out, name) : options.out;
        const { files } = exportScenario(seeded, simulate(seeded));
        for (const [file, document] of Object.entries(files)) {
          // Four-space indentation, as the AWS CLI prints JSON.
          await writeAtomically(join(folder, file), `${JSON.stringify(document, null, 4)}\n`);
        }
        io.out(`${name}: wrote ${Object.keys(files).join(', ')} to ${folder}\n`);
      }
    });
}
