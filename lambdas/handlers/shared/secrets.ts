/**
 * Secrets from Secrets Manager, through Powertools Parameters: each value is kept for `maxAge`
 * (a rotated secret, or one put after deploy, is read again within it); a failed read is not kept
 * (the next call reads again); a secret that still holds the placeholder the stack created it with
 * is "not configured", and says so. Values never appear in a log line or a message.
 *
 * A secret whose ARN variable is unset is `undefined` where it is wired: that feature is off.
 */

import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { StormguardError } from '../../core/errors.ts';
import { SECRET_PLACEHOLDER } from '../../names.ts';

/** How long a value read is kept: a rotated secret is in use within this. */
export const SECRET_MAX_AGE_SECONDS = 300;

export class SecretNotConfiguredError extends StormguardError {
  constructor(arn: string) {
    super(
      'SECRET_NOT_CONFIGURED',
      `the secret ${arn} has no value yet: set it with aws secretsmanager put-secret-value --secret-id ${arn} --secret-string …`,
    );
    this.name = 'SecretNotConfiguredError';
  }
}

/** One provider (and one cache) per client. */
const providers = new WeakMap<SecretsManagerClient, SecretsProvider>();

export function secretFrom(
  client: SecretsManagerClient,
  arn: string,
  { maxAgeSeconds = SECRET_MAX_AGE_SECONDS } = {},
): () => Promise<string> {
  let provider = providers.get(client);
  if (!provider) {
    provider = new SecretsProvider({ awsSdkV3Client: client });
    providers.set(client, provider);
  }
  const from = provider;
  return async () => {
    const value = await from.get(arn, { maxAge: maxAgeSeconds });
    if (typeof value !== 'string' || value.trim() === '' || value.trim() === SECRET_PLACEHOLDER) throw new SecretNotConfiguredError(arn);
    return value;
  };
}
