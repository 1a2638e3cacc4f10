/**
 * LaunchDarkly for tests: its own OpenAPI spec (vendor/launchdarkly/openapi.yaml) served by
 * Prism, a request-validating mock server, behind a small stateful fake. Every request the fake
 * receives is first replayed to Prism; what Prism finds wrong with it (its `sl-violations`) is
 * recorded as a contract violation. Then the fake answers from its state, or from a script of
 * answers (429, 405, 5xx, …) for the requests that match.
 *
 * Its state behaves as LaunchDarkly documents (launchdarkly-api.ts).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuditEntry, respond } from './launchdarkly-api.ts';
import { type RestFlag, restFlag } from './launchdarkly-flags.ts';
import { type Prism, validate } from './prism.ts';

export { type RestFlag, restFlag } from './launchdarkly-flags.ts';
export { type Prism, specAvailable, startPrism } from './prism.ts';

export interface Scripted {
  readonly method: string;
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

export interface FakeLaunchDarkly {
  readonly url: string;
  readonly flags: Map<string, RestFlag>;
  /** Audit-log entries, whole (with previousVersion and currentVersion). */
  readonly auditLog: AuditEntry[];
  /** Answers given, in order, to the next requests of the same method, before the state answers. */
  readonly script: Scripted[];
  readonly requests: RecordedRequest[];
  readonly violations: string[];
  /** Called with each request before it is answered: where a test makes someone else act in between. */
  onRequest?: (request: RecordedRequest) => void;
  /** Someone changes the flag in LaunchDarkly (its version advances), as through the UI. */
  setPercent(key: string, environment: string, percent: number): void;
  close(): Promise<void>;
}

export async function fakeLaunchDarkly(prism: Prism): Promise<FakeLaunchDarkly> {
  const flags = new Map<string, RestFlag>();
  const auditLog: FakeLaunchDarkly['auditLog'] = [];
  const script: Scripted[] = [];
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const path = req.url ?? '/';
    const body = raw ? JSON.parse(raw) : undefined;
    const request = { method: req.method!, path, headers: req.headers, body };
    requests.push(request);
    violations.push(...(await validate(prism, req, path, raw)));
    fake.onRequest?.(request);
    const scripted = script.findIndex((s) => s.method === req.method);
    if (scripted >= 0) {
      const answer = script.splice(scripted, 1)[0]!;
      res
        .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        .end(JSON.stringify(answer.body ?? { code: String(answer.status), message: 'scripted' }));
      return;
    }
    const answer = respond(flags, auditLog, req.method!, path, body);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeLaunchDarkly = {
    url: `http://127.0.0.1:${port}`,
    flags,
    auditLog,
    script,
    requests,
    violations,
    setPercent: (key, environment, percent) => {
      const flag = flags.get(key)!;
      flag.environments[environment]!.fallthrough = restFlag(key, environment, percent).environments[environment]!.fallthrough;
      flag._version++;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return fake;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data));
  });
}
