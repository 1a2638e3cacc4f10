/**
 * Global setup of the slow tests: the Lambda bundles the construct deploys (dist/lambda), built
 * afresh from the sources under test, so a synth never picks up bundles older than the code.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '../../scripts/bundle-lambdas.mjs'), '--quiet'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
