/**
 * Prism, a request-validating mock server, serving LaunchDarkly's own OpenAPI spec
 * (vendor/launchdarkly/openapi.yaml): every request the fake LaunchDarkly receives is replayed to it,
 * and what it finds wrong with the request (its `sl-violations`) is a contract violation.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
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

/**
 * Prism's verdict on a request: its error-level violations of the request (Prism also reports
 * where the spec's own example responses break its schema: not ours to answer for).
 */
export async function validate(prism: Prism, req: IncomingMessage, path: string, raw: string): Promise<string[]> {
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

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
