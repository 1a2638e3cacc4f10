/** The environment variable that carries a Lambda's configuration, as JSON (lib/guardrail.ts sets it). */
export const CONFIG_VARIABLE = 'STORMGUARD_CONFIG';
