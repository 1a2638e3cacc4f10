import { join } from 'node:path';
import { analyzeMetafile, build } from 'esbuild';

const root = process.cwd();
const name = process.argv[2];
const r = await build({
  absWorkingDir: root,
  entryPoints: [join(root, 'lambdas/handlers', name + '.ts')],
  write: false,
  outfile: '/tmp/x.mjs',
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  metafile: true,
  legalComments: 'none',
  mainFields: ['module', 'main'],
  alias: { '@aws-sdk/credential-provider-node': join(root, 'lambdas/handlers/shared/lambda-credentials.ts') },
  logLevel: 'warning',
});
const inputs = Object.values(r.metafile.outputs)[0].inputs;
const groups = {};
for (const [f, { bytesInOutput }] of Object.entries(inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
  const k = m ? m[1] : f.split('/').slice(0, 2).join('/');
  groups[k] = (groups[k] ?? 0) + bytesInOutput;
}
const total = Object.values(groups).reduce((a, b) => a + b, 0);
console.log(name, 'total', (total / 1024).toFixed(0), 'KiB');
for (const [k, v] of Object.entries(groups)
  .sort((a, b) => b[1] - a[1])
  .slice(0, 30))
  console.log(' ', (v / 1024).toFixed(1).padStart(7), k);
if (process.argv[3]) {
  for (const [f, { bytesInOutput }] of Object.entries(inputs)
    .filter(([f]) => f.includes(process.argv[3]))
    .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
    .slice(0, 60))
    console.log('   ', (bytesInOutput / 1024).toFixed(1).padStart(7), f);
}
