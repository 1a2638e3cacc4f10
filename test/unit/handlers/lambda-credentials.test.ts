/** The credential chain the Lambda bundles use in place of the SDK's full one. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '../../../lambdas/handlers/shared/lambda-credentials.ts';

afterEach(() => vi.unstubAllEnvs());

describe('the Lambda credential chain', () => {
  it("takes the function role's credentials from the environment, as Lambda sets them", async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token');
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  it('fails, rather than reading profile files or instance metadata, when neither the environment nor a container endpoint has them', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', '');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', '');
    await expect(defaultProvider()()).rejects.toThrow(/environment/i);
  });
});
