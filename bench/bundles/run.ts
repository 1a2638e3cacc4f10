/**
 * `npm run bench:bundles`: each Lambda bundle's size and cold-start module load, as deployed and
 * with the AWS SDK left to the Lambda runtime's copy (CDK NodejsFunction's default for Node 18 and
 * later), side by side; with `--before DIR`, also the bundles in DIR (another build's dist/lambda).
 *
 * - size: bytes of `<name>/index.mjs`, minified, without its source map (the budget is 300 kB);
 * - module load: the time a fresh node takes to import the bundle (what a cold start pays before
 *   the handler runs), the median of `--runs` processes (default 11), the variants interleaved so
 *   that the machine's other work falls on all of them alike;
 * - what dominates: the bundle's bytes by package (esbuild's metafile), the five largest.
 *
 * The runtime-SDK variant is built into dist/bench-bundles/, inside the repository, so that its
 * imports of `@aws-sdk/*` resolve to node_modules as they would to the runtime's copy: the same
 * packages, one CommonJS file each. Numbers are printed, never asserted: the machines are shared.
 *
 *     npm run bench:bundles [-- --runs 11 --before DIR --breakdown]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Metafile } from 'esbuild';
import { median } from 'simple-statistics';
// @ts-expect-error: plain JavaScript, so that the build runs with node alone (it has no declarations).
import { bundleLambdas } from '../../scripts/bundle-lambdas.mjs';

/** The issue's budget for one bundle, in bytes (kB, not KiB). */
export const BUNDLE_BUDGET_BYTES = 300_000;

const root = join(import.meta.dirname, '../..');
const benchDir = join(root, 'dist/bench-bundles');

interface Variant {
  readonly label: string;
  readonly folder: string;
}

/** Import time of a module in a fresh node, in ms: one sample. */
function importMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const output = execFileSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1' },
  });
  return Number(output.toString());
}

/** Bytes of each package (or of the project's own folders) in a bundle, largest first. */
function byPackage(metafile: Metafile): Array<[string, number]> {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs))
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, 2).join('/');
      totals.set(pkg, (totals.get(pkg) ?? 0) + bytesInOutput);
    }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(0)} kB`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '11' }, before: { type: 'string' }, breakdown: { type: 'boolean', default: false } },
  });
  const runs = Number(values.runs);
  const bundled = join(benchDir, 'bundled');
  const runtime = join(benchDir, 'runtime-sdk');
  const { metafiles } = (await bundleLambdas({ quiet: true, out: bundled, maps: join(benchDir, 'maps'), metafile: true })) as {
    metafiles: Record<string, Metafile>;
  };
  await bundleLambdas({ quiet: true, out: runtime, maps: join(benchDir, 'runtime-maps'), external: ['@aws-sdk/*'] });
  const variants: Variant[] = [
    ...(values.before ? [{ label: 'before', folder: resolve(values.before) }] : []),
    { label: 'bundled SDK (as deployed)', folder: bundled },
    { label: 'runtime SDK (@aws-sdk/* external)', folder: runtime },
  ];
  const names = readdirSync(bundled).sort();
  const samples = new Map<string, number[]>();
  for (let run = 0; run < runs; run++)
    for (const name of names)
      for (const { label, folder } of variants) {
        const file = join(folder, name, 'index.mjs');
        if (!existsSync(file)) continue;
        const key = `${label}/${name}`;
        samples.set(key, [...(samples.get(key) ?? []), importMs(file)]);
      }
  console.log(`module load: median of ${runs} fresh node processes (${process.version}); load average ${loadavg()[0]!.toFixed(2)}\n`);
  console.log(`| handler | ${variants.map((v) => v.label).join(' | ')} |`);
  console.log(`|---|${variants.map(() => '---').join('|')}|`);
  for (const name of names) {
    const cells = variants.map(({ label, folder }) => {
      const file = join(folder, name, 'index.mjs');
      if (!existsSync(file)) return '–';
      const bytes = statSync(file).size;
      const over = bytes > BUNDLE_BUDGET_BYTES ? ' (over 300 kB)' : '';
      return `${kB(bytes)}${over}, ${median(samples.get(`${label}/${name}`)!).toFixed(0)} ms`;
    });
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
  if (!values.breakdown) return;
  console.log('\nwhat dominates each bundle as deployed (bytes in the minified output):');
  for (const name of names)
    console.log(
      `  ${name}: ${byPackage(metafiles[name]!)
        .slice(0, 6)
        .map(([pkg, bytes]) => `${pkg} ${kB(bytes)}`)
        .join(', ')}`,
    );
}

await main();
