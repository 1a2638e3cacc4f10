/** The secrets the guardrail creates for its integrations: each holds a placeholder until someone sets it. */
import { SecretValue, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { GuardrailConfig } from '../lambdas/core/config-schema.ts';
import { SECRET_PLACEHOLDER } from '../lambdas/names.ts';
import type { StormguardGuardrailProps, StormguardSecrets } from './props.ts';

/** The secrets the detector reads; the webhook's own secret is created with the webhook. */
export type DetectorSecrets = Omit<StormguardSecrets, 'launchDarklyWebhookSecret'>;

/** The secrets the configured integrations need, each holding a placeholder until someone sets it. */
export function newSecrets(scope: Construct, config: GuardrailConfig, props: StormguardGuardrailProps): DetectorSecrets {
  const launchDarklyToken = config.launchDarkly
    ? newSecret(scope, 'LaunchDarklyToken', 'the LaunchDarkly API access token (writer role on the guarded flags)')
    : undefined;
  const pagerDutyRoutingKey = config.alerts.pagerDuty
    ? newSecret(scope, 'PagerDutyRoutingKey', 'the PagerDuty Events API v2 routing key')
    : undefined;
  const slackWebhookUrl = config.alerts.slack ? newSecret(scope, 'SlackWebhookUrl', 'the Slack incoming webhook URL') : undefined;
  const prometheus = props.prometheus
    ? newSecret(scope, 'PrometheusConnection', 'the Prometheus URL and credentials (JSON: url, auth)')
    : undefined;
  return {
    ...(launchDarklyToken ? { launchDarklyToken } : {}),
    ...(pagerDutyRoutingKey ? { pagerDutyRoutingKey } : {}),
    ...(slackWebhookUrl ? { slackWebhookUrl } : {}),
    ...(prometheus ? { prometheus } : {}),
  };
}

export function newSecret(scope: Construct, id: string, what: string): secretsmanager.Secret {
  // Created holding a placeholder, not a generated value: the functions tell "not set yet" from a value.
  const created = new secretsmanager.Secret(scope, id, {
    description: `Stormguard: ${what} (set it with aws secretsmanager put-secret-value)`,
    secretStringValue: SecretValue.unsafePlainText(SECRET_PLACEHOLDER),
  });
  Validations.of(created).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SMG4',
    reason: `${what} is issued by a third party; it is rotated there and put here, so Secrets Manager cannot rotate it`,
  });
  return created;
}
