/**
 * The credential provider the Lambda bundles use in place of `@aws-sdk/credential-provider-node`
 * (scripts/bundle-lambdas.mjs aliases it here). A Lambda function's role credentials are in its
 * environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), or, where a container
 * credentials endpoint is configured, served there; the SSO, profile-file, process and web-identity
 * providers of the full chain, with the STS and SSO clients they carry, would be about 130 KiB of
 * every bundle that can never run. The CLI keeps the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}): AwsCredentialIdentityProvider => {
  const environment = fromEnv(init);
  return async (properties) => {
    try {
      return await environment(properties);
    } catch (error) {
      if (!process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI && !process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) throw error;
      return fromHttp(init)(properties);
    }
  };
};
