/** Where the package's own files are, wherever it is installed or run from. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const packageRoot = fileURLToPath(new URL('../', import.meta.url));
export const scenariosFolder = join(packageRoot, 'scenarios');
