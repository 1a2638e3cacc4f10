#!/usr/bin/env node
// The CLI's entry point: the built JavaScript in dist/ (`npm run build`; `npm start` builds first).
let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli/main.js')) throw error;
  process.stderr.write('stormguard: the CLI is not built yet: run `npm run build` (or `npm start`) in the repository first\n');
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
