/**
 * Secrets from Secrets Manager, read once per container and kept in memory; never logged.
 * A secret that is not configured (its ARN variable unset) is `undefined`: that feature is off.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export function secretFrom(client: Pick<SecretsManagerClient, 'send'>, arn: string): () => Promise<string> {
  let value: Promise<string> | undefined;
  return () =>
    (value ??= client.send(new GetSecretValueCommand({ SecretId: arn })).then((s) => {
      if (!s.SecretString) throw new Error(`the secret ${arn} has no value yet (aws secretsmanager put-secret-value)`);
      return s.SecretString;
    }));
}
