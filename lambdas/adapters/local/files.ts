/**
 * Reading users' files with errors that name the file and line, and writing files so that a
 * reader never sees half of one (write beside, then rename).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse, type ParseError, printParseErrorCode } from 'jsonc-parser';
import { InputError } from '../../core/errors.ts';

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a file' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new InputError({ file: path }, why);
  }
}

/** Parses JSON, or JSON lines (one document per line) when the file is not one document. */
export async function readJson(path: string): Promise<unknown> {
  const text = await readText(path);
  try {
    return JSON.parse(text);
  } catch (error) {
    const lines = text.split('\n').filter((line) => line.trim());
    if (lines.length > 1 && lines.every((line) => line.trim().startsWith('{'))) return parseJsonLines(text, path);
    throw jsonError(text, path, error as Error);
  }
}

function parseJsonLines(text: string, path: string): unknown[] {
  return text.split('\n').flatMap((line, index) => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line)];
    } catch (error) {
      throw new InputError({ file: path, line: index + 1 }, `not valid JSON: ${(error as Error).message}`);
    }
  });
}

/** Where JSON broke: V8 does not always say (Node 20), so a strict second parse finds the offset. */
function jsonError(text: string, path: string, error: Error): InputError {
  if (!text.trim()) return new InputError({ file: path }, 'is empty, expected JSON');
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return new InputError({ file: path }, `not valid JSON (${error.message})`);
  const before = text.slice(0, first.offset).split('\n');
  return new InputError(
    { file: path, line: before.length, column: before.at(-1)!.length + 1 },
    `not valid JSON (${printParseErrorCode(first.error)})`,
  );
}

/** Writes a file whole or not at all. */
export async function writeAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}
