/** A stub Prometheus HTTP API for contract tests: answers each request with the handler set, and records what it was asked. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (request: IncomingMessage & { body: string }, response: ServerResponse) => void;

export interface PrometheusStub {
  readonly base: string;
  readonly requests: Array<{ headers: IncomingMessage['headers']; body: URLSearchParams; path: string }>;
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function prometheusStub(): Promise<PrometheusStub> {
  let handler: Handler = () => {};
  const requests: PrometheusStub['requests'] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      requests.push({ headers: request.headers, body: new URLSearchParams(body), path: request.url ?? '' });
      handler(Object.assign(request, { body }), response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    handle: (next) => void (handler = next),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A successful range query's body: `result` as the matrix, `extra` beside `data` (warnings, infos). */
export const matrix = (result: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ status: 'success', data: { resultType: 'matrix', result }, ...extra });

/** One series as the server gives it: each value at the evaluation time asked for, the period's last millisecond. */
export const broker = (labels: Record<string, string>, values: Array<[number, string]>) => ({
  metric: { __name__: 'x', ...labels },
  values: values.map(([period, value]) => [(period + 59_999) / 1000, value]),
});

export const answer = (status: number, body: string) => (_: unknown, response: ServerResponse) =>
  void response.writeHead(status, { 'content-type': 'application/json' }).end(body);
