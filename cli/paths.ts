/**
 * Where the package's own files are, wherever it is installed or run from: this module is
 * cli/paths.ts in the repository and dist/cli/paths.js in the package, so the root is the nearest
 * folder above it with the package's package.json.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): { root: string; version: string } {
  for (let folder = from; ; folder = dirname(folder)) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'stormguard') return { root: folder, version: manifest.version ?? '0.0.0' };
    } catch {
      // no package.json here
    }
    if (dirname(folder) === folder) throw new Error(`stormguard: cannot find the package's package.json above ${from}`);
  }
}

const found = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

export const packageRoot = found.root;
export const packageVersion = found.version;
export const scenariosFolder = join(packageRoot, 'scenarios');
