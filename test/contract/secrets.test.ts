/**
 * Secrets through Powertools Parameters, against a mocked Secrets Manager: a rotated value is in
 * use within its max age, a failed read is tried again on the next call, and a secret still
 * holding the stack's placeholder says it is not configured.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SECRET_MAX_AGE_SECONDS, SecretNotConfiguredError, secretFrom } from '../../lambdas/handlers/shared/secrets.ts';
import { SECRET_PLACEHOLDER } from '../../lambdas/names.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:StormguardSlackWebhookUrl-AbCdEf';
const secretsManager = mockClient(SecretsManagerClient);
let client: SecretsManagerClient;

beforeEach(() => {
  secretsManager.reset();
  client = new SecretsManagerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' } });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.parse('2026-11-24T10:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

const reads = () => secretsManager.commandCalls(GetSecretValueCommand).length;

describe('secretFrom', () => {
  it('keeps a value for its max age, then reads the rotated one', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'first-value' });
    const secret = secretFrom(client, ARN);
    expect(await secret()).toBe('first-value');
    secretsManager.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'rotated-value' });
    vi.setSystemTime(Date.now() + (SECRET_MAX_AGE_SECONDS - 1) * 1000);
    expect(await secret()).toBe('first-value');
    expect(reads()).toBe(1);
    vi.setSystemTime(Date.now() + 2000);
    expect(await secret()).toBe('rotated-value');
    expect(reads()).toBe(2);
  });

  it('does not keep a failed read: the next call reads again', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: 'the-value' });
    const secret = secretFrom(client, ARN);
    await expect(secret()).rejects.toThrow(/Rate exceeded/);
    expect(await secret()).toBe('the-value');
    expect(reads()).toBe(2);
  });

  it('says a secret still holding the placeholder is not configured, and picks the value up once it is put', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: SECRET_PLACEHOLDER });
    const secret = secretFrom(client, ARN);
    const error = await secret().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotConfiguredError);
    expect((error as Error).message).toBe(
      `the secret ${ARN} has no value yet: set it with aws secretsmanager put-secret-value --secret-id ${ARN} --secret-string …`,
    );
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'https://hooks.slack.com/services/T0/B0/x' });
    vi.setSystemTime(Date.now() + SECRET_MAX_AGE_SECONDS * 1000 + 1);
    expect(await secret()).toBe('https://hooks.slack.com/services/T0/B0/x');
  });

  it('treats an empty value as not configured', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '  ' });
    await expect(secretFrom(client, ARN)()).rejects.toThrow(SecretNotConfiguredError);
  });
});
