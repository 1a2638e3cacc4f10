import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** A Function URL request's body as bytes, whether it came base64-encoded or not. */
export function bodyOf(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Buffer {
  return Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
}
