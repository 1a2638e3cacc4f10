/**
 * Builds the CDK app from a configuration file: the same schema and errors as the CLI, and
 * cdk-nag's AwsSolutions checks on every synth. Shared by bin/cdk.ts and the infrastructure tests,
 * so the tests check the template that deploys.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfigText } from '../lambdas/core/config.ts';
import { StormguardStack } from './stack.ts';

export interface StormguardAppOptions {
  /** The configuration file's text and name (for errors). */
  readonly configText: string;
  readonly configSource: string;
  readonly alertEmails?: readonly string[];
  readonly appProps?: AppProps;
}

export function stormguardApp(options: StormguardAppOptions): { app: App; stack: StormguardStack } {
  const app = new App(options.appProps);
  const stack = new StormguardStack(app, 'Stormguard', {
    description: 'Stormguard: producer-storm guardrail for Kafka',
    guardrail: {
      config: readConfigText(options.configText, options.configSource),
      ...(options.alertEmails ? { alertEmails: options.alertEmails } : {}),
    },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
