/**
 * How the webhook reads its deliveries (formats/timeline.ts `TimelineScope`), from STORMGUARD_CONFIG
 * without the configuration's schema: the webhook's bundle stays small, and the construct checked
 * the configuration at synth time. A control that is not a variation index is still refused.
 */
import { controlVariations } from '../../formats/launchdarkly.ts';
import type { TimelineScope } from '../../formats/timeline.ts';
import { CONFIG_VARIABLE } from './config-variable.ts';
import { requiredEnvironment } from './environment.ts';

interface ScopeFields {
  readonly flags?: Record<string, { controlVariation?: unknown }>;
  readonly launchDarkly?: { projectKey?: unknown };
}

export function timelineScopeFromEnvironment(): TimelineScope {
  const { flags = {}, launchDarkly } = JSON.parse(requiredEnvironment(CONFIG_VARIABLE)) as ScopeFields;
  for (const [key, policy] of Object.entries(flags)) {
    const control = policy.controlVariation;
    if (control !== undefined && !(Number.isInteger(control) && (control as number) >= 0))
      throw new Error(`${CONFIG_VARIABLE}: flags.${key}.controlVariation must be a variation index (0, 1, …): set it from the construct`);
  }
  const project = launchDarkly?.projectKey;
  if (project !== undefined && (typeof project !== 'string' || project === ''))
    throw new Error(`${CONFIG_VARIABLE}: launchDarkly.projectKey must be a project key: set it from the construct`);
  return { controls: controlVariations({ flags: flags as Record<string, { controlVariation?: number }> }), project };
}
