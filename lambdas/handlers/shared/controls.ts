/**
 * The flags' control variations (configuration `flags.<key>.controlVariation`) from STORMGUARD_CONFIG,
 * without the configuration's schema: the webhook's bundle stays small, and the construct checked
 * the configuration at synth time. A value that is not a variation index is still refused.
 */
import { controlVariations } from '../../formats/launchdarkly.ts';
import { CONFIG_VARIABLE } from './config-variable.ts';
import { requiredEnvironment } from './environment.ts';

export function controlsFromEnvironment(): Record<string, number> {
  const { flags = {} } = JSON.parse(requiredEnvironment(CONFIG_VARIABLE)) as { flags?: Record<string, { controlVariation?: unknown }> };
  for (const [key, policy] of Object.entries(flags)) {
    const control = policy.controlVariation;
    if (control !== undefined && !(Number.isInteger(control) && (control as number) >= 0))
      throw new Error(`${CONFIG_VARIABLE}: flags.${key}.controlVariation must be a variation index (0, 1, …): set it from the construct`);
  }
  return controlVariations({ flags: flags as Record<string, { controlVariation?: number }> });
}
