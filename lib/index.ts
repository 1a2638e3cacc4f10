/**
 * The package's entry point (`import { StormguardGuardrail } from 'stormguard'`): the construct,
 * its props, a stack with one guardrail in it, and a reader for the YAML configuration file.
 */

export type { GuardrailConfig, SignalConfig, StormguardConfig } from '../lambdas/core/config-schema.ts';
export { InputError } from '../lambdas/core/errors.ts';
export { readConfigFile } from './config-file.ts';
export { StormguardGuardrail, type StormguardGuardrailProps, type StormguardSecrets } from './guardrail.ts';
export { StormguardStack, type StormguardStackProps } from './stack.ts';
