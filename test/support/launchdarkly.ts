/**
 * LaunchDarkly for tests: its own OpenAPI spec (vendor/launchdarkly/openapi.yaml) served by
 * Prism, a request-validating mock server, behind a small stateful fake. Every request the fake
 * receives is first replayed to Prism; what Prism finds wrong with it (its `sl-violations`) is
 * recorded as a contract violation. Then the fake answers from its state, or from a script of
 * answers (429, 405, 5xx, …) for the requests that match.
 *
 * Its state behaves as LaunchDarkly documents: every change advances the flag's `_version`; a JSON
 * Patch is applied whole or not at all, and one whose `test` operation fails (the flag changed
 * since it was read) is refused with 409 `optimistic_locking_error`, the API's answer for a
 * request that conflicts with a concurrent one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { requires } from './requires.ts';

export const LAUNCHDARKLY_SPEC = join(import.meta.dirname, '../../vendor/launchdarkly/openapi.yaml');
export const specAvailable = requires(
  'the LaunchDarkly OpenAPI spec',
  existsSync(LAUNCHDARKLY_SPEC),
  `${LAUNCHDARKLY_SPEC} is part of the repository: git checkout -- vendor/launchdarkly`,
);

export interface Prism {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts Prism on a free loopback port; resolves once it listens. */
export async function startPrism(): Promise<Prism> {
  const port = await freePort();
  const cli = createRequire(import.meta.url).resolve('@stoplight/prism-cli/dist/index.js');
  const child: ChildProcess = spawn(process.execPath, [cli, 'mock', '-h', '127.0.0.1', '-p', String(port), LAUNCHDARKLY_SPEC], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Prism did not start in 60 s:\n${output.slice(-2000)}`)), 60_000);
    const listen = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', listen);
    child.stderr!.on('data', listen);
    child.on('exit', (code) => reject(new Error(`Prism exited (${code}):\n${output.slice(-2000)}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

export interface RestFlag {
  key: string;
  _version: number;
  variations: Array<{ _id: string; value: unknown }>;
  environments: Record<string, { on: boolean; offVariation: number; fallthrough: Rollable; rules: Array<Rollable & { _id: string }> }>;
}
type Rollable = { variation?: number; rollout?: { variations: Array<{ variation: number; weight: number }> } };

/** A boolean flag as LaunchDarkly's REST API shows it, serving `percent` the treatment in `environment`. */
export function restFlag(key: string, environment: string, percent: number, rules: Array<{ _id: string; percent: number }> = []): RestFlag {
  const rollout = (p: number) => ({
    rollout: {
      variations: [
        { variation: 0, weight: Math.round(p * 1000) },
        { variation: 1, weight: 100_000 - Math.round(p * 1000) },
      ],
    },
  });
  return {
    key,
    _version: 1,
    variations: [
      { _id: `${key}-true`, value: true },
      { _id: `${key}-false`, value: false },
    ],
    environments: {
      [environment]: {
        on: true,
        offVariation: 1,
        fallthrough: rollout(percent),
        rules: rules.map((r) => ({ _id: r._id, ...rollout(r.percent) })),
      },
    },
  };
}

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
  readonly auditLog: Array<{ _id: string; date: number; kind: string }>;
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

/**
 * Prism's verdict on a request: its error-level violations of the request (Prism also reports
 * where the spec's own example responses break its schema: not ours to answer for).
 */
async function validate(prism: Prism, req: IncomingMessage, path: string, raw: string): Promise<string[]> {
  const response = await fetch(`${prism.url}${path}`, {
    method: req.method!,
    headers: {
      'content-type': String(req.headers['content-type'] ?? 'application/json'),
      authorization: String(req.headers.authorization ?? ''),
    },
    ...(raw ? { body: raw } : {}),
  });
  await response.arrayBuffer();
  const header = response.headers.get('sl-violations');
  if (!header) return [];
  return (JSON.parse(header) as Array<{ severity: string; message: string; location: string[] }>)
    .filter((v) => v.severity === 'Error' && v.location[0] === 'request')
    .map((v) => `${req.method} ${path}: ${v.message}`);
}

function respond(
  flags: Map<string, RestFlag>,
  auditLog: FakeLaunchDarkly['auditLog'],
  method: string,
  path: string,
  body: unknown,
): { status: number; body: unknown } {
  const url = new URL(path, 'http://fake');
  if (method === 'GET' && url.pathname === '/api/v2/auditlog') {
    // The listing, newest first, two at a time to exercise paging; without the flag versions.
    const after = Number(url.searchParams.get('after') ?? 0);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const matching = auditLog.filter((e) => e.date > after).sort((a, b) => b.date - a.date);
    const items = matching.slice(offset, offset + 2).map(({ _id, date, kind }) => ({
      _id,
      date,
      kind,
      _links: {},
      _accountId: 'a',
      accesses: [],
      name: 'n',
      description: '',
      shortDescription: '',
    }));
    const next =
      offset + 2 < matching.length
        ? { next: { href: `/api/v2/auditlog?after=${after}&limit=20&offset=${offset + 2}`, type: 'application/json' } }
        : {};
    return { status: 200, body: { items, _links: { self: { href: path, type: 'application/json' }, ...next } } };
  }
  const entryMatch = /^\/api\/v2\/auditlog\/([^/]+)$/.exec(url.pathname);
  if (method === 'GET' && entryMatch) {
    const entry = auditLog.find((e) => e._id === decodeURIComponent(entryMatch[1]!));
    return entry ? { status: 200, body: entry } : { status: 404, body: { code: 'not_found', message: 'Unknown resource' } };
  }
  const flagMatch = /^\/api\/v2\/flags\/[^/]+\/([^/]+)$/.exec(url.pathname);
  if (flagMatch) {
    const flag = flags.get(decodeURIComponent(flagMatch[1]!));
    if (!flag) return { status: 404, body: { code: 'not_found', message: 'Unknown resource' } };
    if (method === 'GET') return { status: 200, body: flag };
    if (method === 'PATCH' && Array.isArray((body as { patch?: unknown }).patch)) {
      const applied = applyJsonPatch(flag, (body as { patch: JsonPatchOperation[] }).patch);
      if (applied === 'test failed')
        return { status: 409, body: { code: 'optimistic_locking_error', message: 'Conflict. Optimistic lock error. Try again later.' } };
      if (typeof applied === 'string') return { status: 400, body: { code: 'invalid_request', message: applied } };
      applied._version = flag._version + 1;
      flags.set(flag.key, applied);
      return { status: 200, body: applied };
    }
    if (method === 'PATCH') {
      flag._version++;
      const patch = body as {
        environmentKey: string;
        instructions: Array<{ kind: string; ruleId?: string; rolloutWeights?: Record<string, number> }>;
      };
      const environment = flag.environments[patch.environmentKey]!;
      for (const instruction of patch.instructions) {
        if (instruction.kind === 'turnFlagOff') environment.on = false;
        const target =
          instruction.kind === 'updateFallthroughVariationOrRollout'
            ? environment.fallthrough
            : environment.rules.find((r) => r._id === instruction.ruleId);
        if (target && instruction.rolloutWeights) {
          target.rollout = {
            variations: Object.entries(instruction.rolloutWeights).map(([id, weight]) => ({
              variation: flag.variations.findIndex((v) => v._id === id),
              weight,
            })),
          };
        }
      }
      return { status: 200, body: flag };
    }
  }
  if (method === 'POST' && url.pathname.endsWith('/approval-requests'))
    return { status: 201, body: { _id: 'approval-1', status: 'pending' } };
  return { status: 404, body: { code: 'not_found', message: `no fake for ${method} ${url.pathname}` } };
}

interface JsonPatchOperation {
  op: string;
  path: string;
  value?: unknown;
}

/**
 * A JSON Patch (RFC 6902: test, add, replace, remove) applied to a copy of the flag: the copy, or
 * why it cannot apply. `/version` reads the flag's `_version`, as LaunchDarkly's documented
 * precondition `{ "op": "test", "path": "/version", "value": N }` does.
 */
function applyJsonPatch(flag: RestFlag, operations: JsonPatchOperation[]): RestFlag | string {
  const copy = structuredClone(flag) as unknown as Record<string, unknown>;
  for (const { op, path, value } of operations) {
    if (op === 'test' && path === '/version') {
      if (value !== flag._version) return 'test failed';
      continue;
    }
    const tokens = path
      .split('/')
      .slice(1)
      .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = tokens.pop()!;
    let parent: unknown = copy;
    for (const token of tokens) {
      parent = (parent as Record<string, unknown> | undefined)?.[token];
      if (parent === undefined || parent === null || typeof parent !== 'object') return `no ${path}`;
    }
    const container = parent as Record<string, unknown>;
    if (op === 'test') {
      if (JSON.stringify(container[last]) !== JSON.stringify(value)) return 'test failed';
    } else if (op === 'replace') {
      if (!(last in container)) return `no ${path} to replace`;
      container[last] = value;
    } else if (op === 'add') {
      container[last] = value;
    } else if (op === 'remove') {
      if (!(last in container)) return `no ${path} to remove`;
      delete container[last];
    } else {
      return `unsupported op ${op}`;
    }
  }
  return copy as unknown as RestFlag;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
