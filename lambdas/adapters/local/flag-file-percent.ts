/**
 * The percentage a replay's flag file (flag-file.ts: the replay's LaunchDarkly) serves a target,
 * for a gate asked of a state folder. The folder keeps no timeline, so without the file every step
 * was judged from 0%: a step down 75% → 25% denied as a step up. The file's flag is read as
 * LaunchDarkly's own representation, checked by its schema and measured by the rule the timeline's
 * steps are (servedPercent); the SDK's format names a rule's id `id` where the API says `_id`.
 */
import { join } from 'node:path';
import * as z from 'zod/mini';
import { parseInput } from '../../core/errors.ts';
import type { RolloutTarget } from '../../core/release.ts';
import { environmentConfig, servedPercent } from '../../formats/launchdarkly.ts';
import { readJsonIfExists } from './files.ts';
import { ownFlag, type SdkFlag } from './sdk-flags.ts';
import '../../core/zod-messages.ts';

/** The flag file's name in a state folder. */
export const FLAG_FILE = 'flags.json';

/** The file's shape as far as finding a flag goes; the flag itself is checked as LaunchDarkly's. */
const flagFile = z.object({
  flags: z.record(
    z.string(),
    z.custom<SdkFlag>((flag) => typeof flag === 'object' && flag !== null && !Array.isArray(flag), 'expected a flag (an object)'),
  ),
});

/**
 * Undefined where the folder has no flag file, or the file has no such flag or target. `controls`:
 * the configured control variations (controlVariations), as the replay's flag file was given them.
 */
export async function flagFilePercent(
  folder: string,
  flagKey: string,
  target: RolloutTarget,
  controls: Readonly<Record<string, number>>,
): Promise<number | undefined> {
  const path = join(folder, FLAG_FILE);
  const read = await readJsonIfExists(path);
  // A drill's folder, or one from before flag files: the gate judges as it did without.
  if (read === undefined) return undefined;
  const flag = ownFlag(parseInput(flagFile, read, { file: path }).flags, flagKey);
  if (!flag) return undefined;
  const rules = Array.isArray(flag.rules) ? flag.rules.map((rule) => ({ ...rule, _id: rule?.id })) : flag.rules;
  const config = parseInput(environmentConfig, { ...flag, rules }, { file: path, field: `flags.${flagKey}` });
  return servedPercent(config, target, Object.hasOwn(controls, flagKey) ? controls[flagKey] : undefined);
}
