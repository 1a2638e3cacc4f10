/**
 * Reading users' files with errors that name the file and line, and writing files so that a
 * reader never sees half of one (write beside, then rename).
 */
import { randomUUID } from 'node:crypto';
import { access, constants, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { InputError } from '../../core/errors.ts';

/**
 * The largest export read: a file is read and parsed whole, and 200 MB of JSON takes about 1.5 GB
 * of memory to parse (V8 cannot hold a string over 512 MB at all). A month of one-minute
 * GetMetricData for a 30-broker cluster is about 60 MB; larger exports are split (one file per
 * page, or per day), which every command accepts.
 */
export const MAX_EXPORT_BYTES = 200 * 1024 * 1024;
/** A configuration, a scenario or a state file: far below this. */
export const MAX_SMALL_FILE_BYTES = 16 * 1024 * 1024;

/**
 * The size of a file to be read, or an InputError that says why it cannot be read. `readTwice`:
 * it is read twice, so a pipe (empty the second time) or a device is refused.
 */
export async function checkReadable(path: string, maxBytes: number, { readTwice = false } = {}): Promise<number> {
  let size: number;
  let file: boolean;
  try {
    const found = await stat(path);
    if (found.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    size = found.size;
    file = found.isFile();
  } catch (error) {
    throw new InputError({ file: path }, pathProblem(error), { cause: error });
  }
  if (readTwice && !file)
    throw new InputError({ file: path }, 'is a pipe or a device, expected a file: it is read twice (write it to a file first)');
  if (size > maxBytes) {
    throw new InputError(
      { file: path },
      `is ${megabytes(size)}, more than the ${megabytes(maxBytes)} read at most (it is parsed whole, in memory): split it into several files`,
    );
  }
  return size;
}

export async function readText(path: string, maxBytes = MAX_EXPORT_BYTES): Promise<string> {
  await checkReadable(path, maxBytes);
  try {
    const text = await readFile(path, 'utf8');
    // A byte-order mark (Windows editors write one) is not part of the text.
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (error) {
    throw new InputError({ file: path }, pathProblem(error), { cause: error });
  }
}

/** What is wrong with a path, said for people; `mkdir -p` says EEXIST where a part of it is a file. */
function pathProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, expected a file';
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a part of this path is a file, not a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENAMETOOLONG') return 'the path is too long';
  return error instanceof Error ? error.message : String(error);
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}

/** Parses JSON, or JSON lines (one document per line) when the file is not one document. */
export async function readJson(path: string, maxBytes = MAX_EXPORT_BYTES): Promise<unknown> {
  const text = await readText(path, maxBytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    const lines = text.split('\n').filter((line) => line.trim());
    if (lines.length > 1 && lines.every((line) => line.trim().startsWith('{'))) return parseJsonLines(text, path);
    throw jsonError(text, path, error as Error);
  }
}

/** readJson, or undefined where there is no such file: a state folder's files, absent until written. */
export async function readJsonIfExists(path: string, maxBytes = MAX_EXPORT_BYTES): Promise<unknown> {
  try {
    return await readJson(path, maxBytes);
  } catch (error) {
    if (error instanceof InputError && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw error;
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

/** Errors of a path itself (a folder where a file goes, a file where a folder does), not of the disk. */
const PATH_CODES = new Set(['EISDIR', 'ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'ENAMETOOLONG']);

/** Writes a file whole or not at all: the file beside it is removed when the write or the rename fails. */
export async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    if (PATH_CODES.has((error as NodeJS.ErrnoException).code ?? '')) throw new InputError({ file: path }, pathProblem(error));
    throw error;
  }
}

/**
 * Checks that a file can be written at `path` (its missing folders made): run before the work
 * whose result it holds, so that a mistyped output path is said at once, not after a long run.
 */
export async function checkWritable(path: string): Promise<void> {
  const found = await stat(path).catch(() => undefined);
  if (found?.isDirectory()) throw new InputError({ file: path }, 'is a directory, expected a file');
  let folder = dirname(path);
  let above = await stat(folder).catch(() => undefined);
  while (!above && dirname(folder) !== folder) {
    folder = dirname(folder);
    above = await stat(folder).catch(() => undefined);
  }
  if (above && !above.isDirectory()) throw new InputError({ file: path }, `${folder} is a file, not a folder`);
  // The folder, not the file: an atomic write puts a temporary file beside it and renames it over.
  await access(folder, constants.W_OK).catch((error: unknown) => {
    throw new InputError({ file: path }, pathProblem(error));
  });
}
