/**
 * Secrets from Secrets Manager: each value is kept for `maxAge` (a rotated secret, or one put after
 * deploy, is read again within it); a failed read is not kept (the next call reads again); a secret
 * that still holds the placeholder the stack created it with is "not configured", and says so.
 * Values never appear in a log line or a message.
 *
 * Read with aws4fetch (a SigV4-signed fetch, 7 kB bundled), not the SDK's Secrets Manager client and
 * Powertools Parameters (20 kB of each Lambda bundle that reads a secret): one GetSecretValue call
 * and a cache by age are all the Lambdas need of them. Credentials and region come from an SDK
 * client the Lambda has anyway (its Lambda credential chain).
 *
 * A secret whose ARN variable is unset is `undefined` where it is wired: that feature is off.
 */

import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { AwsClient } from 'aws4fetch';
import { StormguardError, saysUnavailable, UnavailableError } from '../../core/errors.ts';
import { SECRET_PLACEHOLDER } from '../../names.ts';

/** How long a value read is kept: a rotated secret is in use within this. */
export const SECRET_MAX_AGE_SECONDS = 300;
/** Retries of a read Secrets Manager answered with a 5xx or 429 (aws4fetch backs off exponentially from 50 ms). */
/** A secret read (its retries included) gives up after this: Secrets Manager answers in tens of milliseconds. */
const READ_TIMEOUT_MS = 5_000;
const READ_RETRIES = 3;

export class SecretNotConfiguredError extends StormguardError {
  constructor(arn: string) {
    super(
      'SECRET_NOT_CONFIGURED',
      `the secret ${arn} has no value yet: set it with aws secretsmanager put-secret-value --secret-id ${arn} --secret-string …`,
    );
    this.name = 'SecretNotConfiguredError';
  }
}

/** A secret's string value by its id (ARN), or undefined when it has none (a binary secret). */
export type SecretReader = (secretId: string) => Promise<string | undefined>;

export interface SecretsManagerOptions {
  readonly credentials: AwsCredentialIdentityProvider;
  readonly region: () => Promise<string>;
  /** Where Secrets Manager is. @default AWS_ENDPOINT_URL_SECRETS_MANAGER, else the region's public endpoint */
  readonly url?: string;
  /** A read (its retries included) gives up after this. @default 5000 */
  readonly timeoutMs?: number;
}

/** GetSecretValue over Secrets Manager's JSON protocol; its error's type and message (never a value) on failure. */
export function secretsManager({ credentials, region, url: endpoint, timeoutMs = READ_TIMEOUT_MS }: SecretsManagerOptions): SecretReader {
  return async (secretId) => {
    const [{ accessKeyId, secretAccessKey, sessionToken }, at] = await Promise.all([credentials(), region()]);
    const client = new AwsClient({
      accessKeyId,
      secretAccessKey,
      sessionToken,
      service: 'secretsmanager',
      region: at,
      retries: READ_RETRIES,
    });
    const url =
      endpoint ??
      process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ??
      `https://secretsmanager.${at}.amazonaws.com${at.startsWith('cn-') ? '.cn' : ''}/`;
    // A hung connection must not hold a run past its budget.
    const response = await client
      .fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.GetSecretValue' },
        body: JSON.stringify({ SecretId: secretId }),
        signal: AbortSignal.timeout(timeoutMs),
      })
      .catch((error: unknown) => {
        if (!(error instanceof DOMException && error.name === 'TimeoutError')) throw error;
        throw new UnavailableError(`reading the secret ${secretId} failed: no answer within ${timeoutMs} ms`);
      });
    const body = await response.text();
    if (!response.ok) {
      const error = parsed(body) as { __type?: string; message?: string; Message?: string };
      const type = error.__type?.split('#').pop() ?? `HTTP ${response.status}`;
      const said = `reading the secret ${secretId} failed: ${type}: ${error.message ?? error.Message ?? ''}`;
      // A throttle or a fault of its own passes (what the secret was for is tried again); a refusal does not.
      if (saysUnavailable(response.status, type)) throw new UnavailableError(said);
      throw new StormguardError('SECRET_READ_FAILED', said);
    }
    return (parsed(body) as { SecretString?: string }).SecretString;
  };
}

function parsed(body: string): Record<string, unknown> {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The secret `arn`, kept for `maxAgeSeconds` after each read; a read that failed is not kept. */
export function secretFrom(read: SecretReader, arn: string, { maxAgeSeconds = SECRET_MAX_AGE_SECONDS } = {}): () => Promise<string> {
  let kept: { readonly value: Promise<string | undefined>; readonly until: number } | undefined;
  return async () => {
    if (!kept || Date.now() >= kept.until) {
      const value = read(arn);
      const entry = { value, until: Date.now() + maxAgeSeconds * 1000 };
      kept = entry;
      value.catch(() => {
        if (kept === entry) kept = undefined;
      });
    }
    // `--secret-string file://key` keeps the file's newline: PagerDuty would refuse the key with it.
    const value = (await kept.value)?.trim();
    if (!value || value === SECRET_PLACEHOLDER) throw new SecretNotConfiguredError(arn);
    return value;
  };
}
