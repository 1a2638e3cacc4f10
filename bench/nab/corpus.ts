/**
 * Reading a NAB-format corpus: `data/<category>/<name>.csv` (timestamp,value), a windows file
 * (`"<category>/<name>.csv"` → [[start, end], …]), and NAB results files
 * (`timestamp,value,anomaly_score,…`). The windows file defines which files are in the corpus.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

export interface CorpusFile {
  /** "<category>/<name>.csv", as in the windows file. */
  readonly name: string;
  readonly stamps: string[];
  readonly times: number[];
  readonly values: number[];
  readonly windows: Array<readonly [number, number]>;
}

/** "2014-04-10 07:15:00" or "2014-04-10 07:15:00.000000", read as UTC. */
export function nabTime(stamp: string): number {
  const time = Date.parse(`${stamp.trim().replace(' ', 'T').slice(0, 23)}Z`);
  if (!Number.isFinite(time)) throw new Error(`not a NAB timestamp: ${JSON.stringify(stamp)}`);
  return time;
}

export async function readWindows(path: string): Promise<Map<string, Array<readonly [number, number]>>> {
  const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, string[][]>;
  return new Map(
    Object.entries(raw)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, windows]) => [name, windows.map(([start, end]) => [nabTime(start!), nabTime(end!)] as const)]),
  );
}

/** The corpus: every file the windows name, read from the data folder. */
export async function readCorpus(dataFolder: string, windowsPaths: readonly string[]): Promise<CorpusFile[]> {
  const windows = new Map<string, Array<readonly [number, number]>>();
  for (const path of windowsPaths) for (const [name, list] of await readWindows(path)) windows.set(name, list);
  const files: CorpusFile[] = [];
  for (const [name, list] of [...windows].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const rows = await readCsv(join(dataFolder, name));
    files.push({
      name,
      stamps: rows.map((r) => r.timestamp!),
      times: rows.map((r) => nabTime(r.timestamp!)),
      values: rows.map((r) => Number(r.value)),
      windows: list,
    });
  }
  return files;
}

/** The anomaly_score column of a NAB results file, parsed as doubles from its text. */
export async function readResultScores(path: string): Promise<number[]> {
  return (await readCsv(path)).map((r) => Number(r.anomaly_score));
}

async function readCsv(path: string): Promise<Array<Record<string, string>>> {
  return parse(await readFile(path, 'utf8'), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
}
