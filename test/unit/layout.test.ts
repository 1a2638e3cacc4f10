/**
 * The layout's measured limits (issue 10): no TypeScript file git tracks over 300 lines, and no
 * function outside the tests over 60 lines, so that one file holds one concept and a function
 * reads at a glance. Functions are found by the TypeScript compiler's parser (every function-like
 * node with a body: declarations, methods, arrows, accessors), measured from their first line to
 * their last. Test files are exempt from the function limit: a `describe` callback is as long as
 * its tests. vendor/ is third-party code, not ours to split.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

const root = join(import.meta.dirname, '../..');
const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((file) => file !== '' && !file.startsWith('vendor/'));
const isTest = (file: string) => file.startsWith('test/');

/** Lines as an editor counts them: a final newline ends the last line, it does not start another. */
function lineCount(text: string): number {
  return text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Each function of `file` longer than the limit: its place, name (if it has one) and length. */
function longFunctions(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      const length = last - first + 1;
      const name = node.name ? ` ${node.name.getText(source)}` : '';
      if (length > MAX_FUNCTION_LINES) found.push(`${file}:${first + 1}${name}: ${length} lines (at most ${MAX_FUNCTION_LINES})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the layout', () => {
  const texts = new Map(files.map((file) => [file, readFileSync(join(root, file), 'utf8')]));

  it('finds the tracked TypeScript files', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it(`has no TypeScript file over ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map((file) => ({ file, lines: lineCount(texts.get(file)!) }))
      .filter(({ lines }) => lines > MAX_FILE_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines (at most ${MAX_FILE_LINES})`);
    expect(long, `files over ${MAX_FILE_LINES} lines:\n  ${long.join('\n  ')}`).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines outside the tests`, () => {
    const long = files.filter((file) => !isTest(file)).flatMap((file) => longFunctions(file, texts.get(file)!));
    expect(long, `functions over ${MAX_FUNCTION_LINES} lines:\n  ${long.join('\n  ')}`).toEqual([]);
  }, 20_000);
});
