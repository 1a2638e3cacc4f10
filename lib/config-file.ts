/** Reads a `stormguard.config.yaml` for the construct's `config`: checked, errors with file, line and field. */
import { readFileSync } from 'node:fs';
import { readConfigText } from '../lambdas/core/config.ts';
import type { StormguardConfig } from '../lambdas/core/config-schema.ts';

export function readConfigFile(path: string): StormguardConfig {
  return readConfigText(readFileSync(path, 'utf8'), path);
}
