/** cdk.json's context, for apps the tests build (a bare `new App()` would not read it). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const context = JSON.parse(readFileSync(join(import.meta.dirname, '../../cdk.json'), 'utf8')).context as Record<string, unknown>;
