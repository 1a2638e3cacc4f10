/**
 * The configuration a Lambda runs with: STORMGUARD_CONFIG, the configuration as written, in JSON
 * (the construct checked it at synth time and put it there). The same schema applies the same
 * defaults here; YAML is read only by the CLI and the CDK app, so no Lambda carries a YAML parser.
 */
import { type GuardrailConfig, resolveConfig } from '../../core/config-schema.ts';
import { CONFIG_VARIABLE } from './config-variable.ts';
import { requiredEnvironment } from './environment.ts';

export { CONFIG_VARIABLE };

export function configFromEnvironment(): GuardrailConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(requiredEnvironment(CONFIG_VARIABLE));
  } catch (error) {
    if (error instanceof SyntaxError) throw new Error(`environment variable ${CONFIG_VARIABLE} is not JSON: set it from the construct`);
    throw error;
  }
  return resolveConfig(raw, CONFIG_VARIABLE);
}
