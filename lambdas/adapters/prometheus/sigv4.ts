/**
 * Signing for Amazon Managed Service for Prometheus: its query API takes SigV4 with service name
 * `aps`. The signer is the one the AWS SDK itself uses (@smithy/signature-v4); the hash is Node's.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';

export const AMP_SERVICE = 'aps';

export interface SigV4Settings {
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** Signs a request to `url`; returns the headers to send (the given ones, plus host, date and authorization). */
export async function signedHeaders(
  settings: SigV4Settings,
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: AMP_SERVICE, region: settings.region, credentials: settings.credentials, sha256: Sha256 });
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query,
    headers: { ...headers, host: url.host },
    body,
  });
  return signed.headers;
}

/** SHA-256 (or HMAC-SHA-256 with a secret) in the shape the signer asks for. */
class Sha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: Uint8Array | string): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
