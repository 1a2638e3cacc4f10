/**
 * Secrets Manager on loopback, for the Lambdas' secret reader (lambdas/handlers/shared/secrets.ts):
 * GetSecretValue over the JSON protocol, SigV4-signed (the signature's scope is checked, not its
 * value). `answer` says what each read gets: a value, or an error as Secrets Manager sends it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SecretReader, secretsManager } from '../../lambdas/handlers/shared/secrets.ts';

export type SecretAnswer = { readonly value: string } | { readonly status: number; readonly type: string; readonly message: string };

export interface LocalSecretsManager {
  /** Where it listens (for AWS_ENDPOINT_URL_SECRETS_MANAGER). */
  readonly url: string;
  /** A reader signed for eu-west-1 with example credentials, against this server. */
  readonly reader: SecretReader;
  /** The secret ids read, in order. */
  readonly reads: string[];
  close(): Promise<void>;
}

export async function localSecretsManager(answer: (secretId: string) => SecretAnswer): Promise<LocalSecretsManager> {
  const reads: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const signed = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/secretsmanager\/aws4_request, /.test(
        req.headers.authorization ?? '',
      );
      if (req.method !== 'POST' || req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || !signed) {
        res.writeHead(400).end(JSON.stringify({ __type: 'InvalidRequestException', message: 'not a signed GetSecretValue' }));
        return;
      }
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      reads.push(SecretId);
      const result = answer(SecretId);
      if ('value' in result) res.writeHead(200).end(JSON.stringify({ ARN: SecretId, SecretString: result.value }));
      else res.writeHead(result.status).end(JSON.stringify({ __type: result.type, message: result.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const reader = secretsManager({
    credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' }),
    region: async () => 'eu-west-1',
    url,
  });
  return { url, reader, reads, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
