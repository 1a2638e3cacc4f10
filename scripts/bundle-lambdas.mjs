#!/usr/bin/env node
/**
 * Bundles each Lambda handler (lambdas/handlers/*.ts) into dist/lambda/<name>/index.mjs: the asset
 * the construct deploys, built once here rather than by every user's `cdk synth` (which would need
 * esbuild or Docker on their machine, and could bundle different dependency versions than the ones
 * tested).
 *
 * - ESM, Node 24, minified. The AWS SDK is bundled (pinned to the tested versions, tree-shaken to
 *   the commands used; a bundled SDK also loads faster than the runtime's), except the credential
 *   chain, which is the Lambda environment's alone (lambdas/handlers/shared/lambda-credentials.ts).
 * - Source maps go to dist/lambda-maps/, outside the asset: they are not uploaded (they would double
 *   the package, and --enable-source-maps slows every cold start); map a stack trace with them.
 * - The detector's incident page inlines uPlot, read from beside the bundle.
 *
 * Plain JavaScript, so it runs with node alone. Prints each bundle's size.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const handlers = join(root, 'lambdas/handlers');
const defaultOut = join(root, 'dist/lambda');
const defaultMaps = join(root, 'dist/lambda-maps');
/** Files copied beside a handler's bundle (lambdas/adapters/report/incident-page.ts reads them). */
const extraFiles = { detector: ['uplot/dist/uPlot.iife.min.js', 'uplot/dist/uPlot.min.css'] };

/**
 * Builds every handler's bundle into `out/<name>/index.mjs`, its source map into `maps/<name>.mjs.map`;
 * returns the bundles' sizes in bytes. `external` leaves packages out of the bundles (bench/bundles
 * measures the runtime-SDK variant with it); `metafile` returns esbuild's account of each bundle's inputs.
 */
export async function bundleLambdas({ quiet = false, out = defaultOut, maps = defaultMaps, external = [], metafile = false } = {}) {
  rmSync(out, { recursive: true, force: true });
  rmSync(maps, { recursive: true, force: true });
  mkdirSync(maps, { recursive: true });
  const require = createRequire(join(root, 'package.json'));
  const names = readdirSync(handlers)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => basename(f, '.ts'));
  const sizes = {};
  const metafiles = {};
  await Promise.all(
    names.map(async (name) => {
      const folder = join(out, name);
      const result = await build({
        absWorkingDir: root,
        entryPoints: [join(handlers, `${name}.ts`)],
        outfile: join(folder, 'index.mjs'),
        bundle: true,
        platform: 'node',
        target: 'node24',
        format: 'esm',
        minify: true,
        sourcemap: 'external',
        sourcesContent: false,
        legalComments: 'none',
        mainFields: ['module', 'main'],
        alias: { '@aws-sdk/credential-provider-node': join(handlers, 'shared/lambda-credentials.ts') },
        external,
        metafile,
        // Some dependencies still call require(): give the ESM bundle one.
        banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
        logLevel: 'warning',
      });
      // `external` source maps carry no sourceMappingURL comment; move the map out of the asset.
      copyFileSync(join(folder, 'index.mjs.map'), join(maps, `${name}.mjs.map`));
      rmSync(join(folder, 'index.mjs.map'));
      for (const file of extraFiles[name] ?? []) copyFileSync(require.resolve(file), join(folder, basename(file)));
      sizes[name] = statSync(join(folder, 'index.mjs')).size;
      if (metafile) metafiles[name] = result.metafile;
    }),
  );
  if (!quiet)
    for (const name of names.sort())
      console.log(
        `${join(out, name, 'index.mjs').slice(root.length + 1)} ${(sizes[name] / 1000).toFixed(0)} kB (${(sizes[name] / 1024).toFixed(0)} KiB)`,
      );
  return metafile ? { sizes, metafiles } : sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await bundleLambdas({ quiet: process.argv.includes('--quiet') });
