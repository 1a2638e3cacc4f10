/**
 * Secrets as the Lambdas read them (signed GetSecretValue requests, a cache by age), against
 * Secrets Manager on loopback: a rotated value is in use within its max age, a failed read is tried
 * again on the next call and says why without a value, and a secret still holding the stack's
 * placeholder says it is not configured.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '../../lambdas/core/errors.ts';
import {
  secretsManager as readerOf,
  SECRET_MAX_AGE_SECONDS,
  SecretNotConfiguredError,
  secretFrom,
} from '../../lambdas/handlers/shared/secrets.ts';
import { SECRET_PLACEHOLDER } from '../../lambdas/names.ts';
import { type LocalSecretsManager, localSecretsManager, type SecretAnswer } from '../support/secrets-manager.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:StormguardSlackWebhookUrl-AbCdEf';
let answers: SecretAnswer[];
let secretsManager: LocalSecretsManager;

beforeEach(async () => {
  answers = [];
  // Each read takes the next answer; the last one stays.
  secretsManager = await localSecretsManager(() => (answers.length > 1 ? answers.shift()! : answers[0]!));
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.parse('2026-11-24T10:00:00Z'));
});
afterEach(async () => {
  vi.useRealTimers();
  await secretsManager.close();
});

describe('secretFrom', () => {
  it('keeps a value for its max age, then reads the rotated one', async () => {
    answers = [{ value: 'first-value' }, { value: 'rotated-value' }];
    const secret = secretFrom(secretsManager.reader, ARN);
    expect(await secret()).toBe('first-value');
    vi.setSystemTime(Date.now() + (SECRET_MAX_AGE_SECONDS - 1) * 1000);
    expect(await secret()).toBe('first-value');
    expect(secretsManager.reads).toEqual([ARN]);
    vi.setSystemTime(Date.now() + 2000);
    expect(await secret()).toBe('rotated-value');
    expect(secretsManager.reads).toEqual([ARN, ARN]);
  });

  it('reads once for calls that overlap', async () => {
    answers = [{ value: 'the-value' }];
    const secret = secretFrom(secretsManager.reader, ARN);
    expect(await Promise.all([secret(), secret(), secret()])).toEqual(['the-value', 'the-value', 'the-value']);
    expect(secretsManager.reads).toHaveLength(1);
  });

  it('does not keep a failed read, which names the error and not a value: the next call reads again', async () => {
    answers = [{ status: 400, type: 'ThrottlingException', message: 'Rate exceeded' }, { value: 'the-value' }];
    const secret = secretFrom(secretsManager.reader, ARN);
    await expect(secret()).rejects.toThrow(`reading the secret ${ARN} failed: ThrottlingException: Rate exceeded`);
    expect(await secret()).toBe('the-value');
    expect(secretsManager.reads).toHaveLength(2);
  });

  it('retries a read Secrets Manager answered with a server error', async () => {
    vi.useRealTimers(); // aws4fetch waits between retries
    answers = [{ status: 500, type: 'InternalServiceError', message: 'try again' }, { value: 'the-value' }];
    expect(await secretFrom(secretsManager.reader, ARN)()).toBe('the-value');
    expect(secretsManager.reads).toHaveLength(2);
  });

  it('says a secret still holding the placeholder is not configured, and picks the value up once it is put', async () => {
    answers = [{ value: SECRET_PLACEHOLDER }, { value: 'https://hooks.slack.com/services/T0/B0/x' }];
    const secret = secretFrom(secretsManager.reader, ARN);
    const error = await secret().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotConfiguredError);
    expect((error as Error).message).toBe(
      `the secret ${ARN} has no value yet: set it with aws secretsmanager put-secret-value --secret-id ${ARN} --secret-string …`,
    );
    vi.setSystemTime(Date.now() + SECRET_MAX_AGE_SECONDS * 1000 + 1);
    expect(await secret()).toBe('https://hooks.slack.com/services/T0/B0/x');
  });

  it('treats an empty value as not configured', async () => {
    answers = [{ value: '  ' }];
    await expect(secretFrom(secretsManager.reader, ARN)()).rejects.toThrow(SecretNotConfiguredError);
  });

  it('gives the value without the newline `put-secret-value --secret-string file://key` keeps', async () => {
    answers = [{ value: 'R0UT1NGKEY\n' }];
    expect(await secretFrom(secretsManager.reader, ARN)()).toBe('R0UT1NGKEY');
  });
});

describe('secretsManager', () => {
  it('gives up on a Secrets Manager that never answers, saying so without a value', async () => {
    const hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const reader = readerOf({
        credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' }),
        region: async () => 'eu-west-1',
        url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`,
        timeoutMs: 200,
      });
      // Unavailable, not refused: the page it was read for is kept for the next run (alert-delivery.ts).
      await expect(reader(ARN)).rejects.toThrow(UnavailableError);
      await expect(reader(ARN)).rejects.toThrow(`reading the secret ${ARN} failed: no answer within 200 ms`);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });
});
