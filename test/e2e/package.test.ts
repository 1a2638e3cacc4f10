/**
 * The package as a user gets it: `npm pack` (its prepack builds dist/ from a copy of the sources,
 * so the other tests' dist/ is never rebuilt under them), the tarball installed into a new CDK app
 * folder, the construct imported by package name, type-checked and synthesised, and the installed
 * `stormguard` binary run.
 *
 * The install is offline where npm's cache can serve it, else it may fetch metadata from the
 * registry (the tarballs come from the cache `npm ci` filled). The peer dependencies, aws-cdk-lib
 * and constructs, are linked from this repository's node_modules rather than installed again.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** npm without the progress and update noise, and without the CI flag changing what it prints. */
const quiet = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
};

let work: string;
let tarball: string;
let files: string[];
let app: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'stormguard-package-'));
  // The sources npm pack builds from, beside this repository's node_modules.
  const source = join(work, 'source');
  mkdirSync(source);
  for (const entry of [
    'package.json',
    'README.md',
    'LICENSE',
    'NOTICE',
    'tsconfig.json',
    'tsconfig.build.json',
    'bin',
    'cli',
    'lambdas',
    'lib',
    'scripts',
    'scenarios',
    'docs',
  ]) {
    cpSync(join(root, entry), join(source, entry), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(source, 'node_modules'), 'dir');
  const packed = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd: source, env: quiet, maxBuffer: 64 * 2 ** 20 });
  const [report] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  tarball = join(work, report!.filename);
  files = report!.files.map((f) => f.path);

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  const install = ['install', '--omit=peer', '--no-save', '--ignore-scripts', tarball];
  try {
    await run(npm, [...install, '--offline'], { cwd: app, env: quiet });
  } catch {
    await run(npm, [...install, '--prefer-offline'], { cwd: app, env: quiet });
  }
  for (const peer of ['aws-cdk-lib', 'constructs']) symlinkSync(join(root, 'node_modules', peer), join(app, 'node_modules', peer), 'dir');
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds the built JavaScript, its declarations, the Lambda bundles and the bundled scenarios, and no tests, sources or vendored files', () => {
    for (const expected of [
      'package.json',
      'README.md',
      'LICENSE',
      'NOTICE',
      'bin/stormguard.js',
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/cli/main.js',
      'scenarios/pagerduty-2025/scenario.json',
    ]) {
      expect(files).toContain(expected);
    }
    for (const name of ['detector', 'gate', 'webhook', 'backfill', 'deploys']) expect(files).toContain(`dist/lambda/${name}/index.mjs`);
    const unwanted = files.filter(
      (f) =>
        /^(test|vendor|bench|\.ci)\//.test(f) ||
        f.startsWith('dist/lambda-maps/') ||
        f.endsWith('.map') ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')),
    );
    expect(unwanted).toEqual([]);
  });

  it('is a construct a CDK app imports by name, type-checks against and synthesises', async () => {
    writeFileSync(
      join(app, 'app.ts'),
      `import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { StormguardGuardrail, type StormguardConfig } from 'stormguard';

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'Consumer');
const config: StormguardConfig = { clusters: ['events-msk'], mode: 'observe', launchDarkly: { projectKey: 'default' } };
const guardrail = new StormguardGuardrail(stack, 'Guardrail', { config });
guardrail.grantInvokeGate(new iam.Role(stack, 'Pipeline', { assumedBy: new iam.AccountRootPrincipal() }));
export function typed(): void {
  // @ts-expect-error: the props are typed, so a misspelt configuration key does not compile
  new StormguardGuardrail(stack, 'Typo', { config: { clustres: ['x'] } });
}
app.synth();
console.log(JSON.stringify({ table: guardrail.table.node.path, webhook: guardrail.webhook !== undefined }));
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['app.ts'],
      }),
    );
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: app });
    const { stdout } = await run(process.execPath, ['app.js'], { cwd: app });
    expect(JSON.parse(stdout)).toEqual({ table: 'Consumer/Guardrail/State', webhook: true });
    const template = JSON.parse(readFileSync(join(app, 'cdk.out/Consumer.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    // The detector, the gate, the acknowledgement, the deploy events, the LaunchDarkly webhook.
    expect(functions.map((f) => f.Properties.Handler)).toEqual(Array(6).fill('index.handler'));
    const assets = readdirSync(join(app, 'cdk.out')).filter((d) => d.startsWith('asset.'));
    expect(assets.filter((a) => existsSync(join(app, 'cdk.out', a, 'index.mjs')))).toHaveLength(6);
  });

  it('installs the stormguard command, which prints its version and replays the bundled storm', async () => {
    const bin = join(app, 'node_modules/.bin/stormguard');
    const version = await run(bin, ['--version'], { cwd: app });
    expect(version.stdout.trim()).toBe(manifest.version);
    const replay = await run(bin, ['replay', '--closed-loop', '--report', 'report.html'], { cwd: app, maxBuffer: 16 * 2 ** 20 });
    expect(replay.stdout).toContain('ROLLBACK checkout-producer-per-request in production 1% → 0%');
    expect(readFileSync(join(app, 'report.html'), 'utf8')).toContain('uPlot');
  });
});
